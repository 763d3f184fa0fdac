namespace System.Runtime.CompilerServices;

// netstandard2.0 lacks this marker type, which records (OpParam in the linked IR core) need for init accessors.
internal static class IsExternalInit
{
}
