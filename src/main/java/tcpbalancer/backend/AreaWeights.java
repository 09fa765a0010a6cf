package tcpbalancer.backend;

/**
 * How the pixels of one axis of a source share themselves out among the fewer pixels of a shrunk image that covers
 * exactly the same extent ({@link BoxShrink}): each output pixel covers {@code source / out} source pixels, at
 * least 1, so a source pixel falls into one output pixel or straddles two. Weights are whole numbers in units of
 * 1/{@code out} of a source pixel, so that every output pixel gets the same total, {@code source}. {@link Row} adds a
 * row of pixels by them.
 */
final class AreaWeights {

  /** Per source pixel: the first output pixel it falls into. */
  final int[] first;
  /** Per source pixel: its weight in {@link #first}; the rest of {@link #units}, if any, goes to the next one. */
  final int[] weight;
  /** What a whole source pixel weighs: the number of output pixels. */
  final int units;

  private AreaWeights(int[] first, int[] weight, int units) {
    this.first = first;
    this.weight = weight;
    this.units = units;
  }

  static AreaWeights of(int source, int out) {
    int[] first = new int[source];
    int[] weight = new int[source];
    for (int i = 0; i < source; i++) {
      // Source pixel i spans [i * out, (i + 1) * out), output pixel j spans [j * source, (j + 1) * source).
      long start = (long) i * out;
      int j = (int) (start / source);
      long boundary = (long) (j + 1) * source;
      first[i] = j;
      weight[i] = (int) (Math.min(start + out, boundary) - start);
    }
    return new AreaWeights(first, weight, out);
  }

  /**
   * Adds the pixels of one row, in order, to their output columns' sums (4 a column: alpha and three colours).
   * Most pixels fall wholly into one column: they are summed as they are and weighed once a column.
   */
  static final class Row {
    private final AreaWeights columns;
    private final long[] sums;
    private int column;
    private long a;
    private long r;
    private long g;
    private long b;

    Row(AreaWeights columns, long[] sums) {
      this.columns = columns;
      this.sums = sums;
    }

    void add(int x, long alpha, long red, long green, long blue) {
      int j = columns.first[x];
      long w0 = columns.weight[x];
      if (w0 == columns.units) {
        if (j != column) {
          flush();
          column = j;
        }
        a += alpha;
        r += red;
        g += green;
        b += blue;
        return;
      }
      int o = 4 * j;
      long w1 = columns.units - w0;
      sums[o] += alpha * w0;
      sums[o + 1] += red * w0;
      sums[o + 2] += green * w0;
      sums[o + 3] += blue * w0;
      sums[o + 4] += alpha * w1;
      sums[o + 5] += red * w1;
      sums[o + 6] += green * w1;
      sums[o + 7] += blue * w1;
    }

    /** Weighs and adds the whole pixels summed so far; call it once the row's pixels are added. */
    void flush() {
      int o = 4 * column;
      long units = columns.units;
      sums[o] += a * units;
      sums[o + 1] += r * units;
      sums[o + 2] += g * units;
      sums[o + 3] += b * units;
      a = 0;
      r = 0;
      g = 0;
      b = 0;
    }
  }
}
