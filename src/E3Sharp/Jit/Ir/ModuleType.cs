namespace E3Sharp.Jit.Ir;

// Module types need the IR's module classes, which the generator (sharing the rest of TsType) does not have.
public abstract partial class TsType
{
    /// <summary>The type of an instance of <paramref name="moduleClass"/>.</summary>
    /// <param name="moduleClass">The module class.</param>
    public static ModuleType Module(ModuleClass moduleClass) => new(moduleClass);
}

/// <summary>The type of an instance of a <see cref="ModuleClass"/>; spelled by the class's qualified name.</summary>
public sealed class ModuleType : TsType
{
    internal ModuleType(ModuleClass moduleClass)
    {
        ArgumentNullException.ThrowIfNull(moduleClass);
        Class = moduleClass;
    }

    /// <summary>The module class.</summary>
    public ModuleClass Class { get; }

    /// <inheritdoc/>
    public override TsTypeKind Kind => TsTypeKind.Module;

    /// <inheritdoc/>
    public override string Name => Class.QualifiedName;
}
