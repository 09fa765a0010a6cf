package tcpbalancer.backend;

import java.awt.image.BufferedImage;
import java.io.File;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libjpeg-turbo's own Java binding (TurboJPEG), found at run time: Debian's {@code libturbojpeg-java} puts it in
 * {@value #DEFAULT_JAR} and its JNI library in {@code libturbojpeg0}. Neither is on Maven Central nor inside our
 * jar, so the build does not depend on them: the binding's classes are loaded through a class loader of their own
 * and called through method handles. Where they are missing, {@link #get()} is empty, logged once, and JPEGs are
 * decoded by ImageIO alone.
 *
 * <p>That class loader also finds the JNI library itself: the binding asks for {@code libturbojpeg.so}, which only
 * the {@code -dev} package provides, while {@code libturbojpeg0} installs {@code libturbojpeg.so.0}.
 */
final class TurboJpegLibrary {

  static final String DEFAULT_JAR = "/usr/share/java/turbojpeg.jar";
  /** System property naming another jar of the binding (tests point it at a missing file to force ImageIO). */
  static final String JAR_PROPERTY = "tcpbalancer.turbojpeg.jar";
  private static final String PACKAGE = "org.libjpegturbo.turbojpeg.";
  /** TJ.CS_*: the JPEG colour spaces TurboJPEG reports. */
  static final int CS_RGB = 0;
  static final int CS_YCBCR = 1;
  static final int CS_GRAY = 2;
  static final int CS_CMYK = 3;
  static final int CS_YCCK = 4;
  /** TJ.PF_CMYK: four bytes a pixel, C, M, Y, K as stored (YCCK is turned into CMYK by libjpeg itself). */
  static final int PF_CMYK = 11;
  /** TJ.FLAG_STOPONWARNING: a damaged file fails instead of decoding to grey, so ImageIO can say what is wrong. */
  static final int FLAG_STOP_ON_WARNING = 8192;

  private static final Logger log = LoggerFactory.getLogger(TurboJpegLibrary.class);
  private static final Optional<TurboJpegLibrary> LOADED = load(Path.of(System.getProperty(JAR_PROPERTY, DEFAULT_JAR)));

  private final MethodHandle newDecompressor;
  private final MethodHandle width;
  private final MethodHandle height;
  private final MethodHandle colorspace;
  private final MethodHandle decompress;
  private final MethodHandle decompressBytes;
  private final MethodHandle close;
  /** Each supported scaling factor as {numerator, denominator}, largest first. */
  private final List<int[]> scalingFactors;

  private TurboJpegLibrary(ClassLoader loader) throws ReflectiveOperationException {
    MethodHandles.Lookup lookup = MethodHandles.publicLookup();
    Class<?> decompressor = Class.forName(PACKAGE + "TJDecompressor", true, loader);
    Class<?> tj = Class.forName(PACKAGE + "TJ", true, loader);
    Class<?> factor = Class.forName(PACKAGE + "TJScalingFactor", true, loader);
    newDecompressor = lookup.findConstructor(decompressor, MethodType.methodType(void.class, byte[].class));
    width = lookup.findVirtual(decompressor, "getWidth", MethodType.methodType(int.class));
    height = lookup.findVirtual(decompressor, "getHeight", MethodType.methodType(int.class));
    colorspace = lookup.findVirtual(decompressor, "getColorspace", MethodType.methodType(int.class));
    decompress = lookup.findVirtual(decompressor, "decompress",
      MethodType.methodType(BufferedImage.class, int.class, int.class, int.class, int.class));
    decompressBytes = lookup.findVirtual(decompressor, "decompress",
      MethodType.methodType(byte[].class, int.class, int.class, int.class, int.class, int.class));
    close = lookup.findVirtual(decompressor, "close", MethodType.methodType(void.class));
    Object[] factors = (Object[]) tj.getMethod("getScalingFactors").invoke(null);
    scalingFactors = new ArrayList<>();
    for (Object f : factors) {
      scalingFactors.add(new int[] {(int) factor.getMethod("getNum").invoke(f), (int) factor.getMethod("getDenom").invoke(f)});
    }
  }

  /** The binding, when this machine has it; the first call logs which path JPEGs take. */
  static Optional<TurboJpegLibrary> get() {
    return LOADED;
  }

  static Optional<TurboJpegLibrary> load(Path jar) {
    if (!Files.isRegularFile(jar)) {
      log.info("JPEGs are decoded with ImageIO (pure Java): libjpeg-turbo's Java binding {} is not installed "
        + "(Debian: apt-get install libturbojpeg-java)", jar);
      return Optional.empty();
    }
    try {
      TurboJpegLibrary library = new TurboJpegLibrary(new BindingLoader(jar.toUri().toURL()));
      log.info("JPEGs are decoded with libjpeg-turbo ({}), scaled in the DCT domain; ImageIO reads what it declines", jar);
      return Optional.of(library);
    } catch (ReflectiveOperationException | LinkageError | MalformedURLException | RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      log.warn("JPEGs are decoded with ImageIO (pure Java): libjpeg-turbo's Java binding {} cannot be loaded: {}", jar,
        cause.toString());
      return Optional.empty();
    }
  }

  /** Supported scaling factors as {numerator, denominator}. */
  List<int[]> scalingFactors() {
    return scalingFactors;
  }

  /** An open TurboJPEG decompressor over {@code jpeg}'s header; the caller closes it. */
  Object open(byte[] jpeg) throws Exception {
    return invoke(() -> newDecompressor.invoke(jpeg));
  }

  int width(Object decompressor) throws Exception {
    return (int) invoke(() -> width.invoke(decompressor));
  }

  int height(Object decompressor) throws Exception {
    return (int) invoke(() -> height.invoke(decompressor));
  }

  int colorspace(Object decompressor) throws Exception {
    return (int) invoke(() -> colorspace.invoke(decompressor));
  }

  BufferedImage decompress(Object decompressor, int width, int height, int imageType, int flags) throws Exception {
    return (BufferedImage) invoke(() -> decompress.invoke(decompressor, width, height, imageType, flags));
  }

  /** The pixels as bytes in {@code pixelFormat} (TJ.PF_*), {@code width} x {@code height}, rows packed. */
  byte[] decompressBytes(Object decompressor, int width, int height, int pixelFormat, int flags) throws Exception {
    return (byte[]) invoke(() -> decompressBytes.invoke(decompressor, width, 0, height, pixelFormat, flags));
  }

  void close(Object decompressor) throws Exception {
    invoke(() -> close.invoke(decompressor));
  }

  private interface Call {
    Object run() throws Throwable;
  }

  /** Method handles throw Throwable; TurboJPEG's own failures (TJException) are Exceptions, errors stay errors. */
  private static Object invoke(Call call) throws Exception {
    try {
      return call.run();
    } catch (Exception | Error e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException(t);
    }
  }

  /**
   * Loads the binding's classes, and answers its {@code System.loadLibrary("turbojpeg")} with the library the
   * runtime package installs: a JNI library is bound to the class loader of the class that loads it.
   */
  private static final class BindingLoader extends URLClassLoader {

    BindingLoader(URL jar) {
      super(new URL[] {jar}, TurboJpegLibrary.class.getClassLoader());
    }

    @Override
    protected String findLibrary(String name) {
      List<String> folders = new ArrayList<>(List.of(System.getProperty("java.library.path", "").split(File.pathSeparator)));
      folders.addAll(List.of("/usr/lib/" + System.getProperty("os.arch").replace("amd64", "x86_64") + "-linux-gnu",
        "/usr/lib64", "/usr/lib"));
      String file = System.mapLibraryName(name);
      for (String folder : folders) {
        for (String candidate : List.of(file, file + ".0")) {
          Path path = Path.of(folder.isEmpty() ? "." : folder, candidate);
          if (Files.isRegularFile(path)) {
            return path.toAbsolutePath().toString();
          }
        }
      }
      return super.findLibrary(name);
    }
  }
}
