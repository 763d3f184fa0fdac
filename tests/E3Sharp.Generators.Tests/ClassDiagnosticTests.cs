using Microsoft.CodeAnalysis;

namespace E3Sharp.Generators.Tests;

/// <summary>Class-level requirements of [CompileMode(JitMode.Script)].</summary>
public class ClassDiagnosticTests
{
    private const string Usings = "using E3Sharp.Jit;\nusing TorchSharp;\nusing static TorchSharp.torch;\nnamespace Snippets;\n";

    [Theory]
    [InlineData("""
[CompileMode(JitMode.Script)]
public class NotPartial : nn.Module<Tensor, Tensor> // here
{
    public NotPartial() : base("n") { }
    public override Tensor forward(Tensor x) => x;
}
""", "E3S001", "'NotPartial' is marked [CompileMode(JitMode.Script)] but is not partial; declare it 'partial class NotPartial' so the E3Sharp generator can add its TorchScript translation.")]
    [InlineData("""
public class Outer
{
    [CompileMode(JitMode.Script)]
    public partial class Inner : nn.Module<Tensor, Tensor> // here
    {
        public Inner() : base("n") { }
        public override Tensor forward(Tensor x) => x;
    }
}
""", "E3S001", "'Inner' is marked [CompileMode(JitMode.Script)] but its containing type 'Outer' is not partial; declare every containing type partial too.")]
    [InlineData("""
[CompileMode(JitMode.Script)]
public partial class NoForward : nn.Module // here
{
    public NoForward() : base("n") { }
}
""", "E3S002", "'NoForward' is marked [CompileMode(JitMode.Script)] but declares no forward method; declare 'public override Tensor forward(Tensor x)' in the class (a forward inherited from a base class is scripted with that class).")]
    [InlineData("""
[CompileMode(JitMode.Script)]
public partial class Generic<T> : nn.Module<Tensor, Tensor> // here
{
    public Generic() : base("n") { }
    public override Tensor forward(Tensor x) => x;
}
""", "E3S003", "'Generic' is generic (or nested in a generic type); generic module classes cannot be scripted. Make it non-generic or use [CompileMode(JitMode.Trace)].")]
    [InlineData("""
public partial class Host
{
    [CompileMode(JitMode.Script)]
    private partial class Hidden : nn.Module<Tensor, Tensor> // here
    {
        public Hidden() : base("n") { }
        public override Tensor forward(Tensor x) => x;
    }
}
""", "E3S004", "'Hidden' is marked [CompileMode(JitMode.Script)] but 'Hidden' is private; a scripted module class and its containing types must be internal or public (its script is registered when the assembly loads).")]
    [InlineData("""
[CompileMode(JitMode.Script)]
public partial class NotAModule // here
{
    public Tensor forward(Tensor x) => x;
}
""", "E3S005", "'NotAModule' is marked [CompileMode(JitMode.Script)] but does not derive from torch.nn.Module; only TorchSharp modules can be scripted.")]
    public void ClassRequirementIsReportedOnTheClassName(string body, string id, string message)
    {
        var source = Usings + body;
        var result = GeneratorHarness.Run(source);
        var d = Assert.Single(result.GeneratorDiagnostics);
        Assert.Equal(id, d.Id);
        Assert.Equal(GeneratorHarness.LineOf(source, "// here"), d.Location.GetLineSpan().StartLinePosition.Line + 1);
        Assert.Equal(message, d.GetMessage());
        Assert.Equal(DiagnosticSeverity.Error, d.Severity);
        Assert.Empty(result.Generated);
    }

    [Fact]
    public void TraceModeClassesAreLeftAlone()
    {
        var result = GeneratorHarness.Run(Usings + """
[CompileMode(JitMode.Trace)]
public class Traced : nn.Module<Tensor, Tensor>
{
    public Traced() : base("n") { }
    public override Tensor forward(Tensor x) => x.ToString() == "" ? x : x;
}
""");
        Assert.Empty(result.GeneratorDiagnostics);
        Assert.Empty(result.Generated);
    }
}
