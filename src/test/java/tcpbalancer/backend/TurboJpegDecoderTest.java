package tcpbalancer.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.color.ICC_Profile;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.LoggerFactory;
import tcpbalancer.TestImages;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.Status;
import tcpbalancer.protocol.StatusException;

/**
 * Both decoding paths: libjpeg-turbo's where Debian's libturbojpeg-java is installed (CI installs it, so there it
 * must be the one used), and ImageIO's, forced by {@code nativeJpeg: false} and taken for what libjpeg-turbo
 * declines.
 */
class TurboJpegDecoderTest {

  private final ImageResizer javaOnly = resizer(false);
  private final ImageResizer withNative = resizer(true);

  private static ImageResizer resizer(boolean nativeJpeg) {
    ResizeWorkerOptions defaults = ResizeWorkerOptions.fromJson(null, "config");
    return new ImageResizer(new ResizeWorkerOptions(defaults.maxPixels(), defaults.maxResultPixels(),
      defaults.jpegQuality(), nativeJpeg));
  }

  private static boolean bindingInstalled() {
    return Files.isRegularFile(Path.of(TurboJpegLibrary.DEFAULT_JAR));
  }

  /** Which decoder read the image. */
  private static String decoderOf(ImageResizer resizer, byte[] image) {
    String[] decoder = {null};
    resizer.scale(image, 200, 200, ResizeMode.FIT, new ResizeStages() {
      @Override
      public void decoded(String name) {
        decoder[0] = name;
      }

      @Override
      public void scaled() {
      }
    });
    return decoder[0];
  }

  @Test
  void whereTheBindingIsInstalledJpegsAreDecodedByLibjpegTurbo() {
    assumeTrue(bindingInstalled(), TurboJpegLibrary.DEFAULT_JAR + " is not installed (apt-get install libturbojpeg-java)");
    assertThat(TurboJpegLibrary.get()).as("the binding loads, with its JNI library").isPresent();
    assertThat(decoderOf(withNative, TestImages.synthetic(1600, 1200, "jpeg"))).isEqualTo(ResizeStages.LIBJPEG_TURBO);
  }

  @Test
  void theJavaPathIsForcedByTheOption() {
    assertThat(decoderOf(javaOnly, TestImages.synthetic(1600, 1200, "jpeg"))).isEqualTo(ResizeStages.IMAGEIO);
    assertThat(ResizeWorkerOptions.fromJson(new io.vertx.core.json.JsonObject().put("nativeJpeg", false), "config")
      .nativeJpeg()).isFalse();
  }

  @Test
  void aMissingBindingLeavesImageIOAndSaysSo() {
    Logger logger = (Logger) LoggerFactory.getLogger(TurboJpegLibrary.class);
    ListAppender<ILoggingEvent> lines = new ListAppender<>();
    lines.start();
    logger.addAppender(lines);
    try {
      assertThat(TurboJpegLibrary.load(Path.of("target/no-such-dir/turbojpeg.jar"))).isEmpty();
    } finally {
      logger.detachAppender(lines);
    }
    assertThat(lines.list).singleElement().extracting(ILoggingEvent::getFormattedMessage).asString()
      .contains("decoded with ImageIO", "target/no-such-dir/turbojpeg.jar", "is not installed", "libturbojpeg-java");
  }

  /**
   * A CMYK or YCCK JPEG without a profile is scaled by libjpeg-turbo, and its colours are TwelveMonkeys' own: at
   * full size, the two paths give the same pixels, for the YCCK dune and for a plain CMYK file libvips wrote.
   */
  @Test
  void cmykJpegsWithoutAProfileAreScaledByLibjpegTurboInImageIOsColours(@TempDir Path folder) throws Exception {
    assumeTrue(TurboJpegLibrary.get().isPresent(), "libjpeg-turbo's binding is not installed");
    byte[] ycck = TestImages.read(TestImages.benchImage("dune_"));
    byte[] plainCmyk = cmykByVips(folder, true);
    TurboJpegLibrary library = TurboJpegLibrary.get().orElseThrow();
    for (byte[] jpeg : List.of(ycck, plainCmyk)) {
      assertThat(decoderOf(withNative, jpeg)).isEqualTo(ResizeStages.LIBJPEG_TURBO);
      Object decompressor = library.open(jpeg);
      assertThat(library.colorspace(decompressor)).isEqualTo(jpeg == ycck ? TurboJpegLibrary.CS_YCCK
        : TurboJpegLibrary.CS_CMYK);
      int width = library.width(decompressor);
      int height = library.height(decompressor);
      byte[] cmyk = library.decompressBytes(decompressor, width, height, TurboJpegLibrary.PF_CMYK, 0);
      library.close(decompressor);
      BufferedImage ours = GenericCmyk.toRgb(cmyk, width, height);
      assertThat(Psnr.of(ours, ImageIO.read(new ByteArrayInputStream(jpeg)))).as("PSNR (dB) against ImageIO's read")
        .isEqualTo(Double.POSITIVE_INFINITY);
    }
  }

  /** A CMYK JPEG that carries its profile is left to ImageIO, which converts through it. */
  @Test
  void aCmykJpegWithAProfileIsLeftToImageIO(@TempDir Path folder) throws Exception {
    assumeTrue(TurboJpegLibrary.get().isPresent(), "libjpeg-turbo's binding is not installed");
    assertThat(decoderOf(withNative, cmykByVips(folder, false))).isEqualTo(ResizeStages.IMAGEIO);
  }

  /** The meadow as libvips writes it in CMYK (Adobe's plain CMYK JPEG, transform 0), its profile stripped or kept. */
  private static byte[] cmykByVips(Path folder, boolean strip) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/vips")), "vips (libvips-tools) is not installed");
    Path tif = folder.resolve("cmyk.tif");
    Path jpeg = folder.resolve("cmyk.jpg");
    run("vips", "icc_export", TestImages.benchImage("meadow_").toString(), tif.toString(), "--output-profile", "cmyk");
    if (strip) {
      run("vips", "jpegsave", tif.toString(), jpeg.toString(), "--Q", "90", "--strip");
    } else {
      run("vips", "jpegsave", tif.toString(), jpeg.toString(), "--Q", "90");
    }
    return Files.readAllBytes(jpeg);
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(String.join(" ", command) + " finished").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  /** A JPEG with an ICC profile in an APP2 segment right after its SOI marker. */
  private static byte[] withProfile(byte[] jpeg, ICC_Profile profile) {
    byte[] data = profile.getData();
    byte[] tag = "ICC_PROFILE\0".getBytes(StandardCharsets.US_ASCII);
    int length = 2 + tag.length + 2 + data.length;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(jpeg, 0, 2);
    out.write(0xFF);
    out.write(0xE2);
    out.write(length >> 8);
    out.write(length & 0xFF);
    out.writeBytes(tag);
    out.write(1); // chunk 1
    out.write(1); // of 1
    out.writeBytes(data);
    out.write(jpeg, 2, jpeg.length - 2);
    return out.toByteArray();
  }

  /** libjpeg-turbo ignores colour profiles: one that changes the colours sends the image to ImageIO, which applies it. */
  @Test
  void aProfileThatChangesTheColoursIsLeftToImageIO() {
    assumeTrue(TurboJpegLibrary.get().isPresent(), "libjpeg-turbo's binding is not installed");
    byte[] jpeg = TestImages.synthetic(1600, 1200, "jpeg");
    assertThat(decoderOf(withNative, withProfile(jpeg, ICC_Profile.getInstance(ColorSpace.CS_LINEAR_RGB))))
      .isEqualTo(ResizeStages.IMAGEIO);
    assertThat(decoderOf(withNative, withProfile(jpeg, ICC_Profile.getInstance(ColorSpace.CS_sRGB))))
      .isEqualTo(ResizeStages.LIBJPEG_TURBO);
    // The forest photograph carries HP's "sRGB IEC61966-2.1", not the JDK's sRGB profile: sRGB all the same.
    assertThat(decoderOf(withNative, TestImages.read(TestImages.benchImage("forest-path_"))))
      .isEqualTo(ResizeStages.LIBJPEG_TURBO);
  }

  /** libjpeg-turbo warns about a truncated file; ImageIO then reads it and reports it as what it is. */
  @Test
  void aTruncatedJpegIsRefusedAsTruncatedOnEitherPath() {
    byte[] whole = TestImages.synthetic(1600, 1200, "jpeg");
    byte[] half = Arrays.copyOf(whole, whole.length / 2);
    for (ImageResizer resizer : new ImageResizer[] {withNative, javaOnly}) {
      assertThatThrownBy(() -> resizer.resize(half, 200, 200, ResizeMode.FIT))
        .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.CORRUPT_IMAGE))
        .hasMessageContaining("truncated");
    }
  }

  @Test
  void theScalingFactorKeepsOneAndAHalfTimesTheResultEachWay() {
    assumeTrue(TurboJpegLibrary.get().isPresent(), "libjpeg-turbo's binding is not installed");
    TurboJpegDecoder decoder = new TurboJpegDecoder(TurboJpegLibrary.get().orElseThrow());
    assertThat(decoder.factorFor(3088, 2056, 200, 133)).containsExactly(1, 8); // 386x257
    assertThat(decoder.factorFor(2560, 1600, 200, 125)).containsExactly(1, 8); // 320x200
    assertThat(decoder.factorFor(1600, 1600, 200, 200)).containsExactly(1, 4); // 400x400: 1/8 would be 200x200
    assertThat(decoder.factorFor(640, 480, 200, 150)).containsExactly(1, 2); // 320x240: 3/8 would be 240x180
    assertThat(decoder.factorFor(300, 200, 200, 133)).containsExactly(1, 1); // never enlarged
  }

  /**
   * Far larger than the result, ImageIO would read a JPEG subsampled by 16 (200x125 of 3200x2000), libjpeg-turbo
   * decodes it at 1/8 (400x250): the decoded-image budget is reserved for the larger.
   */
  @Test
  void theDecodedImageBudgetCoversLibjpegTurbosImage() {
    assumeTrue(TurboJpegLibrary.get().isPresent(), "libjpeg-turbo's binding is not installed");
    byte[] jpeg = TestImages.synthetic(3200, 2000, "jpeg");
    long need = DecodeBudget.need(400 * 250, 48 * 30);
    ResizeWorkerOptions options = ResizeWorkerOptions.fromJson(null, "config");

    assertThat(new ImageResizer(options, new DecodeBudget(need)).resize(jpeg, 48, 48, ResizeMode.FIT).width())
      .isEqualTo(48);
    assertThatThrownBy(() -> new ImageResizer(options, new DecodeBudget(need - 1)).resize(jpeg, 48, 48, ResizeMode.FIT))
      .isInstanceOfSatisfying(StatusException.class, e -> assertThat(e.status()).isEqualTo(Status.TOO_MANY_PIXELS));
  }

  static Stream<Arguments> jpegsOnBothPaths() {
    return TestImages.benchImages().stream().filter(p -> "jpeg".equals(TestImages.formatOf(p)))
      .flatMap(p -> Stream.of(Arguments.of(p, true), Arguments.of(p, false)));
  }

  /** Either path stays within the quality bound of a full-size, full-quality resize. */
  @ParameterizedTest(name = "{0}, native {1}")
  @MethodSource("jpegsOnBothPaths")
  void eitherPathStaysCloseToAFullSizeReference(Path file, boolean nativeJpeg) throws Exception {
    byte[] source = TestImages.read(file);
    ImageResizer.Scaled ours = (nativeJpeg ? withNative : javaOnly).scale(source, 200, 200, ResizeMode.FIT);
    boolean sideways = file.getFileName().toString().contains("orientation6");
    var reference = Psnr.reference(source, ours.image().getWidth(), ours.image().getHeight(), sideways);
    assertThat(Psnr.of(ours.image(), reference)).as(file.getFileName() + " PSNR (dB)").isGreaterThan(30.0);
  }
}
