using System.Text.Json;
using TorchSharp;
using Scalar = TorchSharp.Scalar;

namespace E3Sharp.Tests;

/// <summary>
/// Records archives for the PyTorch 1.13 interop check (tests/interop/run_interop.py, run by build/test.sh).
/// When the environment variable <c>E3SHARP_INTEROP_DIR</c> is set, <see cref="Record(string, byte[], string, torch.Tensor[], torch.Tensor[])"/>
/// writes <c>&lt;name&gt;.pt</c> and a JSON sidecar <c>&lt;name&gt;.json</c> (method, inputs, the outputs C# computed,
/// optionally the expected parameter/buffer names and extra files) there; Python loads the archive with
/// <c>torch.jit.load</c> (asking for the sidecar's extra files through <c>_extra_files</c> and comparing their text),
/// runs the method on the inputs and compares (1e-6 for float32, 1e-10 for float64, exact otherwise).
/// Outputs are the method's result flattened: a tuple or list becomes its items, in order. Two more kinds of case:
/// with <c>gradProjections</c> the outputs are the gradients of <c>sum(output_i * projection_i)</c> with respect to
/// the inputs recorded with <c>requires_grad</c> (in order); with <c>expectError</c> the method must raise an error
/// whose message contains that text (outputs are ignored).
/// </summary>
public static class Interop
{
    /// <summary>The interop folder, or null when interop recording is off.</summary>
    public static string? Folder => Environment.GetEnvironmentVariable("E3SHARP_INTEROP_DIR") is { Length: > 0 } d ? d : null;

    /// <summary>Records an archive given as bytes (method null: Python only checks that it loads; noGrad: Python runs
    /// the method under torch.no_grad(); toDtype: Python moves the loaded module with .to(dtype) first, and compares
    /// with <paramref name="tolerance"/> when given).</summary>
    public static void Record(string name, byte[] archive, string? method, torch.Tensor[] inputs, torch.Tensor[] outputs,
        IEnumerable<string>? parameterNames = null, IEnumerable<string>? bufferNames = null,
        IReadOnlyDictionary<string, string>? extraFiles = null, bool noGrad = false, torch.ScalarType? toDtype = null,
        double? tolerance = null, torch.Tensor[]? gradProjections = null, string? expectError = null)
    {
        if (Folder is not { } dir)
        {
            return;
        }

        CheckName(name);
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, name + ".pt"), archive);
        WriteSidecar(dir, name, method, inputs, outputs, parameterNames, bufferNames, extraFiles, noGrad, toDtype, tolerance,
            gradProjections, expectError);
    }

    /// <summary>Records an archive given as a file (copied into the interop folder).</summary>
    public static void Record(string name, string archivePath, string method, torch.Tensor[] inputs, torch.Tensor[] outputs,
        IEnumerable<string>? parameterNames = null, IEnumerable<string>? bufferNames = null)
    {
        if (Folder is null)
        {
            return;
        }

        Record(name, File.ReadAllBytes(archivePath), method, inputs, outputs, parameterNames, bufferNames);
    }

    /// <summary>
    /// The folder holding the PyTorch-made archives (<c>run_interop.py --make</c>): the interop folder's
    /// <c>pytorch/</c> when build/test.sh made them, otherwise made now into a temporary folder with /usr/bin/python3.
    /// </summary>
    public static string PyTorchArchives()
    {
        if (Folder is { } dir && File.Exists(Path.Combine(dir, "pytorch", "pytorch_scripted.json")))
        {
            return Path.Combine(dir, "pytorch");
        }

        lock (MakeLock)
        {
            var tmp = Path.Combine(Path.GetTempPath(), "e3sharp-interop-" + Environment.ProcessId);
            if (!File.Exists(Path.Combine(tmp, "pytorch", "pytorch_scripted.json")))
            {
                var script = FindRepoFile(Path.Combine("tests", "interop", "run_interop.py"));
                var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/python3", $"\"{script}\" --make \"{tmp}\"")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                };
                using var p = System.Diagnostics.Process.Start(psi)
                    ?? throw new InvalidOperationException("could not start /usr/bin/python3");
                var stderr = p.StandardError.ReadToEndAsync();
                p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                if (p.ExitCode != 0)
                {
                    throw new InvalidOperationException(
                        $"/usr/bin/python3 {script} --make failed ({p.ExitCode}); PyTorch 1.13 (Debian python3-torch) is needed:\n{stderr.Result}");
                }
            }

            return Path.Combine(tmp, "pytorch");
        }
    }

    private static readonly object MakeLock = new();

    /// <summary>Finds a file of the repository by walking up from the test assembly's folder.</summary>
    public static string FindRepoFile(string relative)
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            var candidate = Path.Combine(d.FullName, relative);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>Flattens a ScriptModule result (tensor, value tuple, array) into tensors (non-tensors are rejected).</summary>
    public static torch.Tensor[] Flatten(object? result)
    {
        var list = new List<torch.Tensor>();
        void Add(object? o)
        {
            switch (o)
            {
                case torch.Tensor t:
                    list.Add(t);
                    break;
                case Scalar s:
                    // Python flattens int results to int64 tensors, float to float64, bool to bool.
                    list.Add(s.Type switch
                    {
                        torch.ScalarType.Bool => torch.tensor(s.ToBoolean()),
                        torch.ScalarType.Float32 or torch.ScalarType.Float64 => torch.tensor(s.ToDouble()),
                        _ => torch.tensor(s.ToInt64()),
                    });
                    break;
                case System.Runtime.CompilerServices.ITuple tuple:
                    for (var i = 0; i < tuple.Length; i++)
                    {
                        Add(tuple[i]);
                    }

                    break;
                case object[] arr:
                    foreach (var x in arr)
                    {
                        Add(x);
                    }

                    break;
                default:
                    throw new ArgumentException($"Cannot record a {o?.GetType().Name ?? "null"} output for interop.");
            }
        }

        Add(result);
        return list.ToArray();
    }

    private static void CheckName(string name)
    {
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.')))
        {
            throw new ArgumentException($"Interop record name '{name}' must be ASCII letters, digits, '_', '-', '.'.");
        }
    }

    private static void WriteSidecar(string dir, string name, string? method, torch.Tensor[] inputs, torch.Tensor[] outputs,
        IEnumerable<string>? parameterNames, IEnumerable<string>? bufferNames, IReadOnlyDictionary<string, string>? extraFiles,
        bool noGrad = false, torch.ScalarType? toDtype = null, double? tolerance = null,
        torch.Tensor[]? gradProjections = null, string? expectError = null)
    {
        using var stream = File.Create(Path.Combine(dir, name + ".json"));
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("archive", name + ".pt");
        if (method is null)
        {
            w.WriteNull("method");
        }
        else
        {
            w.WriteString("method", method);
        }

        if (noGrad)
        {
            w.WriteBoolean("no_grad", true);
        }

        if (toDtype is { } dtype)
        {
            w.WriteString("to_dtype", dtype.ToString());
        }

        if (tolerance is { } tol)
        {
            w.WriteNumber("tolerance", tol);
        }

        if (gradProjections is not null)
        {
            w.WritePropertyName("grad_projections");
            WriteTensors(w, gradProjections);
        }

        if (expectError is not null)
        {
            w.WriteString("expect_error", expectError);
        }

        w.WritePropertyName("inputs");
        WriteTensors(w, inputs);
        w.WritePropertyName("outputs");
        WriteTensors(w, outputs);
        if (parameterNames is not null)
        {
            w.WritePropertyName("parameters");
            JsonSerializer.Serialize(w, parameterNames.ToArray());
        }

        if (bufferNames is not null)
        {
            w.WritePropertyName("buffers");
            JsonSerializer.Serialize(w, bufferNames.ToArray());
        }

        if (extraFiles is not null)
        {
            w.WritePropertyName("extra_files");
            JsonSerializer.Serialize(w, extraFiles);
        }

        w.WriteEndObject();
    }

    /// <summary>Writes tensors as JSON objects {dtype, shape, data} (floats round-trip; nan/inf as strings).</summary>
    public static void WriteTensors(Utf8JsonWriter w, IEnumerable<torch.Tensor> tensors)
    {
        w.WriteStartArray();
        foreach (var t0 in tensors)
        {
            using var t = t0.detach().cpu().contiguous();
            w.WriteStartObject();
            w.WriteString("dtype", t.dtype.ToString());
            if (t0.requires_grad)
            {
                w.WriteBoolean("requires_grad", true);
            }

            w.WritePropertyName("shape");
            JsonSerializer.Serialize(w, t.shape);
            w.WritePropertyName("data");
            w.WriteStartArray();
            using var flat = t.reshape(-1);
            var n = flat.numel();
            for (long i = 0; i < n; i++)
            {
                switch (t.dtype)
                {
                    case torch.ScalarType.Float32:
                        WriteDouble(w, flat[i].item<float>());
                        break;
                    case torch.ScalarType.Float64:
                        WriteDouble(w, flat[i].item<double>());
                        break;
                    case torch.ScalarType.Int64:
                        w.WriteNumberValue(flat[i].item<long>());
                        break;
                    case torch.ScalarType.Int32:
                        w.WriteNumberValue(flat[i].item<int>());
                        break;
                    case torch.ScalarType.Bool:
                        w.WriteBooleanValue(flat[i].item<bool>());
                        break;
                    default:
                        throw new ArgumentException($"Interop records do not support {t.dtype} tensors.");
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteDouble(Utf8JsonWriter w, double v)
    {
        if (double.IsFinite(v))
        {
            w.WriteNumberValue(v);
        }
        else
        {
            w.WriteStringValue(double.IsNaN(v) ? "nan" : v > 0 ? "inf" : "-inf");
        }
    }

    /// <summary>Reads tensors written by <see cref="WriteTensors"/> (also by run_interop.py --make).</summary>
    public static torch.Tensor[] ReadTensors(JsonElement array)
    {
        var result = new List<torch.Tensor>();
        foreach (var e in array.EnumerateArray())
        {
            var dtype = e.GetProperty("dtype").GetString();
            var shape = e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var data = e.GetProperty("data").EnumerateArray().ToList();
            double D(JsonElement x) => x.ValueKind == JsonValueKind.String
                ? x.GetString() switch { "nan" => double.NaN, "inf" => double.PositiveInfinity, _ => double.NegativeInfinity }
                : x.GetDouble();
            torch.Tensor t = dtype switch
            {
                "Float32" => torch.tensor(data.Select(x => (float)D(x)).ToArray()),
                "Float64" => torch.tensor(data.Select(D).ToArray()),
                "Int64" => torch.tensor(data.Select(x => x.GetInt64()).ToArray()),
                "Int32" => torch.tensor(data.Select(x => x.GetInt32()).ToArray()),
                "Bool" => torch.tensor(data.Select(x => x.GetBoolean()).ToArray()),
                _ => throw new ArgumentException($"Unknown dtype '{dtype}' in an interop sidecar."),
            };
            t = t.reshape(shape);
            if (e.TryGetProperty("requires_grad", out var rg) && rg.GetBoolean())
            {
                t.requires_grad_(true);
            }

            result.Add(t);
        }

        return result.ToArray();
    }
}
