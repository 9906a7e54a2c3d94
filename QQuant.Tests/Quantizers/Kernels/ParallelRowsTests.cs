using QQuant.Quantizers.Kernels;

namespace QQuant.Tests.Quantizers.Kernels;

public sealed class ParallelRowsTests
{
    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(1, 1000, 3)]
    [InlineData(7, 333, 2)]
    [InlineData(64, 9, 5)]
    [InlineData(3, 70001, 4)]
    public void Every_element_is_visited_once_with_its_row(long rows, long columns, int pieces)
    {
        var visits = new int[rows * columns];
        var rowOf = new long[rows * columns];

        ParallelRows.For(rows, columns, pieces, (piece, row, start, end) =>
        {
            Assert.InRange(piece, 0, pieces - 1);
            for (long i = start; i < end; i++)
            {
                Interlocked.Increment(ref visits[i]);
                rowOf[i] = row;
            }
        });

        Assert.All(visits, v => Assert.Equal(1, v));
        for (long i = 0; i < rows * columns; i++)
        {
            Assert.Equal(i / columns, rowOf[i]);
        }
    }

    [Fact]
    public void Small_tensors_are_one_piece_and_large_ones_at_most_one_per_torch_thread()
    {
        Assert.Equal(1, ParallelRows.Pieces(1000));
        Assert.InRange(ParallelRows.Pieces(1L << 24), 1, Math.Max(1, TorchSharp.torch.get_num_threads()));
    }
}
