package tcpbalancer.backend;

/**
 * Told when each stage of one resize ends, so that the profile ({@link ResizeProfile}) can time them; the server
 * passes {@link #NONE}.
 */
interface ResizeStages {

  /** The decoder names {@link #decoded} reports. */
  String LIBJPEG_TURBO = "libjpeg-turbo";
  String IMAGEIO = "imageio";

  ResizeStages NONE = new ResizeStages() {
    @Override
    public void decoded(String decoder) {
    }

    @Override
    public void scaled() {
    }
  };

  /** The source is decoded, by {@code decoder} ({@link #LIBJPEG_TURBO} or {@link #IMAGEIO}). */
  void decoded(String decoder);

  /** The decoded image is resized and turned upright. */
  void scaled();
}
