using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace QQuant.Distributed;

/// <summary>
/// The processes <c>mpirun</c> started, as one <see cref="IProcessGroup"/> over <c>MPI_COMM_WORLD</c>. Tensors on a
/// GPU go through host memory (Debian's Open MPI is not CUDA-aware).
/// </summary>
public sealed unsafe class MpiProcessGroup : IProcessGroup
{
    private readonly MpiLibrary _mpi;
    private readonly bool _initializedHere;
    private bool _disposed;

    private MpiProcessGroup(MpiLibrary mpi, bool initializedHere)
    {
        _mpi = mpi;
        _initializedHere = initializedHere;
        Rank = mpi.Rank();
        Size = mpi.Size();
    }

    /// <summary>Initialises MPI (unless something already did) and joins <c>MPI_COMM_WORLD</c>.</summary>
    /// <exception cref="DistributedException">No MPI library is installed, or MPI cannot start.</exception>
    public static MpiProcessGroup Start()
    {
        MpiLibrary mpi = MpiLibrary.Load();
        bool initialize = !mpi.Initialized();
        if (initialize)
        {
            mpi.Init();
        }

        return new MpiProcessGroup(mpi, initialize);
    }

    /// <inheritdoc />
    public int Rank { get; }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public string Backend => $"mpi ({_mpi.Name}, {_mpi.Path})";

    /// <inheritdoc />
    public void AllReduceSum(Tensor tensor)
    {
        ProcessGroupChecks.Floating(tensor);
        OnHost(tensor, host => Chunks(host, (pointer, count, type) => _mpi.AllReduceSumInPlace(pointer, count, type)), copyBack: true);
    }

    /// <inheritdoc />
    public void AllReduceSum(Span<double> values)
    {
        fixed (double* pointer = values)
        {
            _mpi.AllReduceSumInPlace(pointer, values.Length, _mpi.Double);
        }
    }

    /// <inheritdoc />
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ProcessGroupChecks.Floating(tensor);
        ProcessGroupChecks.Root(root, Size);
        OnHost(tensor, host => Chunks(host, (pointer, count, type) => _mpi.Broadcast(pointer, count, type, root)), copyBack: true);
    }

    /// <inheritdoc />
    public void Barrier() => _mpi.Barrier();

    /// <inheritdoc />
    public void Abort(int code) => _mpi.Abort(code);

    /// <summary>Finalises MPI if this group initialised it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_initializedHere && !_mpi.Finalized())
        {
            _mpi.Shutdown();
        }
    }

    private delegate void Collective(void* pointer, int count, nint datatype);

    private static void OnHost(Tensor tensor, Action<Tensor> run, bool copyBack)
    {
        if (tensor.device_type == DeviceType.CPU)
        {
            run(tensor);
            return;
        }

        using Tensor host = tensor.cpu();
        run(host);
        if (copyBack)
        {
            using var noGrad = no_grad();
            tensor.copy_(host);
        }
    }

    // MPI counts are int: a tensor of more elements goes in pieces.
    private void Chunks(Tensor host, Collective collective)
    {
        long total = host.numel();
        if (total == 0)
        {
            return;
        }

        int size = (int)host.element_size();
        nint type = host.dtype == ScalarType.Float64 ? _mpi.Double : _mpi.Float;
        byte* start = (byte*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(host.bytes));
        for (long offset = 0; offset < total; offset += int.MaxValue)
        {
            int count = (int)Math.Min(int.MaxValue, total - offset);
            collective(start + (offset * size), count, type);
        }
    }
}
