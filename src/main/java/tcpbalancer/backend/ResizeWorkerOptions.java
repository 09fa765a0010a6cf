package tcpbalancer.backend;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import tcpbalancer.config.ConfigFields;

/**
 * Settings of a {@link ResizeWorkerVerticle}.
 *
 * @param maxPixels       images whose header declares more pixels are refused before decoding
 * @param maxResultPixels requests whose result would have more pixels are refused before decoding: the result's
 *                        size, not the source's, bounds the memory and time an upscale takes
 * @param jpegQuality     JPEG encoding quality, 1..100
 * @param nativeJpeg      decode JPEGs with libjpeg-turbo, scaled in the DCT domain, where its Java binding is
 *                        installed (see {@link TurboJpegLibrary}); false: ImageIO alone
 */
public record ResizeWorkerOptions(long maxPixels, long maxResultPixels, int jpegQuality, boolean nativeJpeg) {

  public static final int DEFAULT_MAX_PIXELS = 50_000_000;
  public static final int DEFAULT_MAX_RESULT_PIXELS = 25_000_000;
  public static final int DEFAULT_JPEG_QUALITY = 90;
  public static final boolean DEFAULT_NATIVE_JPEG = true;
  public static final Set<String> KEYS = Set.of("maxPixels", "maxResultPixels", "jpegQuality", "nativeJpeg");

  /** The options with the native JPEG decoder where it is installed. */
  public ResizeWorkerOptions(long maxPixels, long maxResultPixels, int jpegQuality) {
    this(maxPixels, maxResultPixels, jpegQuality, DEFAULT_NATIVE_JPEG);
  }

  public static ResizeWorkerOptions fromJson(JsonObject json, String path) {
    ConfigFields fields = new ConfigFields(json, path);
    fields.rejectUnknownKeys(KEYS);
    return new ResizeWorkerOptions(
      fields.integer("maxPixels", DEFAULT_MAX_PIXELS, 1, Integer.MAX_VALUE),
      fields.integer("maxResultPixels", DEFAULT_MAX_RESULT_PIXELS, 1, Integer.MAX_VALUE),
      fields.integer("jpegQuality", DEFAULT_JPEG_QUALITY, 1, 100),
      fields.bool("nativeJpeg", DEFAULT_NATIVE_JPEG));
  }
}
