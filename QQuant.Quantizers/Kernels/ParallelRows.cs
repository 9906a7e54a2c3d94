using TorchSharp;

namespace QQuant.Quantizers.Kernels;

/// <summary>
/// Splits a tensor seen as <c>rows × columns</c> (per-channel state along dimension 0 gives one row per channel; a
/// per-tensor state gives one row) into at most <c>torch.get_num_threads()</c> contiguous pieces of the flat element
/// range, and runs a kernel on each piece's row segments in parallel.
/// </summary>
internal static class ParallelRows
{
    /// <summary>Fewer elements than this per piece cost more in scheduling than they gain.</summary>
    private const long MinimumPiece = 1L << 16;

    /// <summary>How many pieces <see cref="For"/> splits <paramref name="total"/> elements into.</summary>
    public static int Pieces(long total) => (int)Math.Clamp(total / MinimumPiece, 1, Math.Max(1, torch.get_num_threads()));

    /// <summary>
    /// Runs <paramref name="segment"/>(piece, row, start, end) over every row segment of each of
    /// <paramref name="pieces"/> pieces (from <see cref="Pieces"/>); start and end are flat element indices.
    /// </summary>
    public static void For(long rows, long columns, int pieces, Action<int, long, long, long> segment)
    {
        long total = rows * columns;
        // Pieces end on multiples of 64 elements, so each is whole SIMD vectors but the last.
        long size = ((total + pieces - 1) / pieces + 63) / 64 * 64;
        void Piece(int piece)
        {
            long start = piece * size, end = Math.Min(total, start + size);
            while (start < end)
            {
                long row = start / columns;
                long rowEnd = Math.Min(end, (row + 1) * columns);
                segment(piece, row, start, rowEnd);
                start = rowEnd;
            }
        }

        if (pieces == 1)
        {
            Piece(0);
        }
        else
        {
            Parallel.For(0, pieces, new ParallelOptions { MaxDegreeOfParallelism = pieces }, Piece);
        }
    }
}
