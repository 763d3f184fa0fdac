using System.Runtime.InteropServices;
using E3Sharp.Jit.Ir;
using E3Sharp.Jit.Pickle;
using TorchSharp;

namespace E3Sharp.Jit.Serialization;

// The archive's pickles: tensor storages (one record per distinct storage) and the module tree / constants as
// LibTorch's pickler writes them.
public static partial class TorchScriptArchive
{
    /// <summary>Tensor storages of one pickle: one record per distinct storage (shared by tied tensors).</summary>
    private sealed class StorageTable
    {
        private readonly Dictionary<(IntPtr, torch.ScalarType, DeviceType, int), Entry> _byStorage = [];
        private readonly List<Entry> _entries = [];

        public sealed record Entry(string Key, int Memo, torch.ScalarType Dtype, long Numel, byte[] Bytes);

        public int NextMemo { get; set; }

        public (Entry Entry, bool IsNew, long Offset) Get(torch.Tensor t)
        {
            var elem = ElementSize(t.dtype);
            var ptr = StorageNative.THSStorage_data_ptr(t.Handle);
            var nbytes = (long)StorageNative.THSStorage_nbytes(t.Handle);
            var offset = t.storage_offset();
            if (ptr == IntPtr.Zero || nbytes == 0 || t.numel() == 0)
            {
                // Empty or unusual storage: a private, empty record.
                var empty = Add(t.dtype, 0, []);
                return (empty, true, 0);
            }

            var key = (ptr, t.dtype, t.device_type, t.device_index);
            if (_byStorage.TryGetValue(key, out var existing))
            {
                return (existing, false, offset);
            }

            var numel = nbytes / elem;
            byte[] bytes;
            using (var whole = t.detach().as_strided([numel], [1], 0))
            using (var cpu = whole.device_type == DeviceType.CPU ? whole.contiguous() : whole.cpu().contiguous())
            {
                bytes = cpu.bytes.ToArray();
            }

            var e = Add(t.dtype, numel, bytes);
            _byStorage.Add(key, e);
            return (e, true, offset);
        }

        private Entry Add(torch.ScalarType dtype, long numel, byte[] bytes)
        {
            var e = new Entry(_entries.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), NextMemo++, dtype, numel, bytes);
            _entries.Add(e);
            return e;
        }

        public IEnumerable<(string Key, byte[] Bytes)> Records() => _entries.Select(e => (e.Key, e.Bytes));
    }

    private static class StorageNative
    {
        [DllImport("LibTorchSharp")]
        internal static extern IntPtr THSStorage_data_ptr(IntPtr tensor);

        [DllImport("LibTorchSharp")]
        internal static extern ulong THSStorage_nbytes(IntPtr tensor);
    }

    internal static int ElementSize(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.Int8 or torch.ScalarType.Byte or torch.ScalarType.Bool => 1,
        _ => throw new ArgumentException($"Unsupported tensor dtype {dtype}."),
    };

    internal static string StorageClass(torch.ScalarType dtype) => dtype switch
    {
        torch.ScalarType.Float32 => "FloatStorage",
        torch.ScalarType.Float64 => "DoubleStorage",
        torch.ScalarType.Float16 => "HalfStorage",
        torch.ScalarType.BFloat16 => "BFloat16Storage",
        torch.ScalarType.Int64 => "LongStorage",
        torch.ScalarType.Int32 => "IntStorage",
        torch.ScalarType.Int16 => "ShortStorage",
        torch.ScalarType.Int8 => "CharStorage",
        torch.ScalarType.Byte => "ByteStorage",
        torch.ScalarType.Bool => "BoolStorage",
        _ => throw new ArgumentException($"Unsupported tensor dtype {dtype}."),
    };

    /// <summary>Pickles module trees and values the way LibTorch's pickler does (typed containers tagged).</summary>
    private sealed class ValuePickler(StorageTable storages)
    {
        private readonly PickleWriter _w = new();

        public byte[] PickleRoot(ModuleInstance root)
        {
            Object(root);
            return _w.Finish();
        }

        public byte[] PickleTensorTuple(IReadOnlyList<torch.Tensor> tensors)
        {
            if (tensors.Count == 0)
            {
                _w.EmptyTuple();
            }
            else
            {
                _w.Mark();
                foreach (var t in tensors)
                {
                    Tensor(t);
                }

                _w.Tuple();
            }

            return _w.Finish();
        }

        private void Object(ModuleInstance m)
        {
            var c = m.Class;
            _w.Global(c.Qualifier, c.Name);
            _w.EmptyTuple();
            _w.NewObj();
            _w.EmptyDict();
            _w.Mark();
            _w.String("training");
            _w.Bool(m.Training);
            foreach (var a in c.Attributes)
            {
                if (a.Kind == AttributeKind.Constant)
                {
                    continue;
                }

                _w.String(a.Name);
                Value(m.GetValue(a.Name), a.Type);
            }

            _w.SetItems();
            _w.Build();
        }

        private void Value(object? v, TsType type)
        {
            switch (type)
            {
                case OptionalType o:
                    if (v is null)
                    {
                        _w.None();
                    }
                    else
                    {
                        Value(v, o.Inner);
                    }

                    return;
                case ListType l:
                {
                    var list = (IReadOnlyList<object?>)v!;
                    _w.Global("torch.jit._pickle", "restore_type_tag");
                    _w.Mark();
                    _w.EmptyList();
                    if (list.Count > 0)
                    {
                        _w.Mark();
                        foreach (var item in list)
                        {
                            Value(item, l.Element);
                        }

                        _w.Appends();
                    }

                    _w.String(l.Name);
                    _w.Tuple();
                    _w.Reduce();
                    return;
                }

                case DictType d:
                {
                    var dict = (OrderedValueDictionary)v!;
                    _w.Global("torch.jit._pickle", "restore_type_tag");
                    _w.Mark();
                    _w.EmptyDict();
                    if (dict.Count > 0)
                    {
                        _w.Mark();
                        foreach (var (k, val) in dict)
                        {
                            Value(k, d.Key);
                            Value(val, d.Value);
                        }

                        _w.SetItems();
                    }

                    _w.String(d.Name);
                    _w.Tuple();
                    _w.Reduce();
                    return;
                }

                case TupleType tt:
                {
                    var tuple = (IrTuple)v!;
                    if (tuple.Items.Count == 0)
                    {
                        _w.EmptyTuple();
                        return;
                    }

                    _w.Mark();
                    for (var i = 0; i < tuple.Items.Count; i++)
                    {
                        Value(tuple.Items[i], tt.Items[i]);
                    }

                    _w.Tuple();
                    return;
                }

                case ModuleType:
                    Object((ModuleInstance)v!);
                    return;
            }

            switch (type.Kind)
            {
                case TsTypeKind.Tensor:
                    Tensor((torch.Tensor)v!);
                    return;
                case TsTypeKind.Int:
                    _w.Int((long)v!);
                    return;
                case TsTypeKind.Float:
                    _w.Float((double)v!);
                    return;
                case TsTypeKind.Bool:
                    _w.Bool((bool)v!);
                    return;
                case TsTypeKind.Str:
                    _w.String((string)v!);
                    return;
                case TsTypeKind.None:
                    _w.None();
                    return;
                default:
                    throw new InvalidOperationException($"Cannot pickle a value of type {type.Name}.");
            }
        }

        private void Tensor(torch.Tensor t)
        {
            var (entry, isNew, offset) = storages.Get(t);
            _w.Global("torch._utils", "_rebuild_tensor_v2");
            _w.Mark();
            if (isNew)
            {
                _w.Mark();
                _w.String("storage");
                _w.Global("torch", StorageClass(entry.Dtype));
                _w.String(entry.Key);
                _w.String("cpu");
                _w.Int(entry.Numel);
                _w.Tuple();
                _w.BinPersId();
                Put(entry.Memo);
            }
            else
            {
                Get(entry.Memo);
            }

            _w.Int(offset);
            IntTuple(t.shape);
            IntTuple(t.stride());
            _w.Bool(t.requires_grad);
            _w.Global("collections", "OrderedDict");
            _w.EmptyTuple();
            _w.Reduce();
            _w.Tuple();
            _w.Reduce();
        }

        private void Put(int memo)
        {
            if (memo < 256)
            {
                _w.Op(PickleOpcodes.BinPut);
                _w.Op((byte)memo);
            }
            else
            {
                _w.Op(PickleOpcodes.LongBinPut);
                foreach (var b in BitConverter.GetBytes(memo))
                {
                    _w.Op(b);
                }
            }
        }

        private void Get(int memo)
        {
            if (memo < 256)
            {
                _w.Op(PickleOpcodes.BinGet);
                _w.Op((byte)memo);
            }
            else
            {
                _w.Op(PickleOpcodes.LongBinGet);
                foreach (var b in BitConverter.GetBytes(memo))
                {
                    _w.Op(b);
                }
            }
        }

        private void IntTuple(long[] values)
        {
            if (values.Length == 0)
            {
                _w.EmptyTuple();
                return;
            }

            _w.Mark();
            foreach (var v in values)
            {
                _w.Int(v);
            }

            _w.Tuple();
        }
    }
}
