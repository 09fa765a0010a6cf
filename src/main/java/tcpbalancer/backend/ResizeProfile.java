package tcpbalancer.backend;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.StatusException;

/**
 * A per-stage profile of one warm resize worker: each image of a folder resized on this one thread, again and
 * again, with the CPU time of the thread (less disturbed by other processes than the wall clock) taken around
 * decoding, scaling and encoding; the median of each stage is printed per image and per format. Run from the
 * jar, for the benchmarks' {@code --profile} ({@code bench/bench.py}):
 *
 * <pre>java -cp target/tcpbalancer.jar tcpbalancer.backend.ResizeProfile DIR [--size WxH] [--warm-up N]
 *     [--rounds N] [--native-jpeg true|false] [--json]</pre>
 */
public final class ResizeProfile {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final String USAGE = "usage: ResizeProfile DIR [--size WxH] [--warm-up N] [--rounds N] "
    + "[--native-jpeg true|false] [--json]";

  private ResizeProfile() {
  }

  /** One image's stage times, in CPU nanoseconds of this thread, one entry per measured round. */
  private static final class Timings implements ResizeStages {
    final long[] decode;
    final long[] scale;
    final long[] encode;
    String decoder = "";
    int resultBytes;
    private long mark;
    private int round;

    Timings(int rounds) {
      decode = new long[rounds];
      scale = new long[rounds];
      encode = new long[rounds];
    }

    void start(int round) {
      this.round = round;
      mark = THREADS.getCurrentThreadCpuTime();
    }

    @Override
    public void decoded(String decoder) {
      this.decoder = decoder;
      decode[round] = lap();
    }

    @Override
    public void scaled() {
      scale[round] = lap();
    }

    void encoded() {
      encode[round] = lap();
    }

    private long lap() {
      long now = THREADS.getCurrentThreadCpuTime();
      long spent = now - mark;
      mark = now;
      return spent;
    }
  }

  public static void main(String[] args) {
    try {
      System.exit(run(args));
    } catch (IllegalArgumentException e) {
      System.err.println("ResizeProfile: " + e.getMessage());
      System.err.println(USAGE);
      System.exit(2);
    }
  }

  static int run(String[] args) {
    if (args.length == 0) {
      throw new IllegalArgumentException("the folder of images is missing");
    }
    Path folder = Path.of(args[0]);
    int width = 200;
    int height = 200;
    int warmUp = 20;
    int rounds = 20;
    boolean nativeJpeg = true;
    boolean json = false;
    for (int i = 1; i < args.length; i++) {
      switch (args[i]) {
        case "--size" -> {
          String[] size = value(args, ++i).split("x");
          width = number(size[0]);
          height = number(size.length > 1 ? size[1] : "");
        }
        case "--warm-up" -> warmUp = number(value(args, ++i));
        case "--rounds" -> rounds = number(value(args, ++i));
        case "--native-jpeg" -> nativeJpeg = Boolean.parseBoolean(value(args, ++i));
        case "--json" -> json = true;
        default -> throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    if (!THREADS.isCurrentThreadCpuTimeSupported()) {
      throw new IllegalStateException("this JVM cannot measure a thread's CPU time");
    }
    ResizeWorkerOptions defaults = ResizeWorkerOptions.fromJson(null, "config");
    ResizeWorkerOptions options = new ResizeWorkerOptions(defaults.maxPixels(), defaults.maxResultPixels(),
      defaults.jpegQuality(), nativeJpeg);
    ImageResizer resizer = new ImageResizer(options);
    ResultEncoder encoder = new ResultEncoder(options.jpegQuality() / 100f);
    Map<String, Timings> profile = new LinkedHashMap<>();
    Map<String, String> formats = new LinkedHashMap<>();
    for (Path file : images(folder)) {
      byte[] bytes = read(file);
      Timings timings = new Timings(rounds);
      try {
        for (int i = 0; i < warmUp + rounds; i++) {
          timings.start(Math.max(0, i - warmUp));
          ImageResizer.Scaled scaled = resizer.scale(bytes, width, height, ResizeMode.FIT, timings);
          byte[] result = encoder.encode(OutputPixels.forFormat(scaled.image(), scaled.format(), scaled.grey()),
            scaled.format());
          timings.encoded();
          timings.resultBytes = result.length;
          formats.put(file.getFileName().toString(), scaled.format());
        }
      } catch (StatusException e) {
        System.err.println("ResizeProfile: skipped " + file.getFileName() + ": " + e.getMessage());
        continue;
      }
      profile.put(file.getFileName().toString(), timings);
    }
    if (profile.isEmpty()) {
      throw new IllegalArgumentException(folder + " holds no image this backend resizes");
    }
    System.out.print(json ? toJson(folder, width, height, rounds, profile, formats).encodePrettily() + "\n"
      : table(folder, width, height, warmUp, rounds, profile, formats));
    return 0;
  }

  private static String table(Path folder, int width, int height, int warmUp, int rounds,
                              Map<String, Timings> profile, Map<String, String> formats) {
    StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
      "one worker thread, %dx%d fit, CPU ms per image (median of %d rounds after %d warm-up) in %s%n",
      width, height, rounds, warmUp, folder));
    out.append(String.format(Locale.ROOT, "%-42s %-5s %-14s %8s %8s %8s %8s%n", "image", "fmt", "decoder", "decode",
      "scale", "encode", "total"));
    Map<String, double[]> perFormat = new LinkedHashMap<>();
    profile.forEach((name, t) -> {
      double[] stages = {median(t.decode), median(t.scale), median(t.encode)};
      double[] sums = perFormat.computeIfAbsent(formats.get(name), f -> new double[4]);
      for (int i = 0; i < 3; i++) {
        sums[i] += stages[i];
      }
      sums[3]++;
      out.append(String.format(Locale.ROOT, "%-42s %-5s %-14s %8.2f %8.2f %8.2f %8.2f%n", name, formats.get(name),
        t.decoder, stages[0], stages[1], stages[2], stages[0] + stages[1] + stages[2]));
    });
    double[] all = new double[4];
    perFormat.forEach((format, sums) -> {
      out.append(String.format(Locale.ROOT, "%-42s %-5s %-14s %8.2f %8.2f %8.2f %8.2f%n",
        "all " + (int) sums[3] + " " + format, format, "", sums[0], sums[1], sums[2], sums[0] + sums[1] + sums[2]));
      for (int i = 0; i < 4; i++) {
        all[i] += sums[i];
      }
    });
    out.append(String.format(Locale.ROOT, "%-42s %-5s %-14s %8.2f %8.2f %8.2f %8.2f%n", "one pass, " + (int) all[3]
      + " images", "", "", all[0], all[1], all[2], all[0] + all[1] + all[2]));
    return out.toString();
  }

  private static JsonObject toJson(Path folder, int width, int height, int rounds, Map<String, Timings> profile,
                                   Map<String, String> formats) {
    JsonArray images = new JsonArray();
    profile.forEach((name, t) -> images.add(new JsonObject().put("image", name).put("format", formats.get(name))
      .put("decoder", t.decoder).put("decode_ms", median(t.decode)).put("scale_ms", median(t.scale))
      .put("encode_ms", median(t.encode)).put("result_bytes", t.resultBytes)));
    return new JsonObject().put("folder", folder.toString()).put("size", width + "x" + height).put("rounds", rounds)
      .put("clock", "thread CPU time, median per stage").put("images", images);
  }

  /** Median in milliseconds. */
  private static double median(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double middle = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    return middle / 1e6;
  }

  private static List<Path> images(Path folder) {
    if (!Files.isDirectory(folder)) {
      throw new IllegalArgumentException(folder + " is not a folder");
    }
    try (Stream<Path> files = Files.list(folder)) {
      List<Path> images = new ArrayList<>(files.filter(Files::isRegularFile).filter(ResizeProfile::isImageName)
        .sorted().toList());
      return images;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isImageName(Path file) {
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    return name.endsWith(".jpg") || name.endsWith(".jpeg") || name.endsWith(".png");
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value");
    }
    return args[i];
  }

  private static int number(String text) {
    try {
      int n = Integer.parseInt(text);
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number of at least 1, got '" + text + "'");
    }
  }
}
