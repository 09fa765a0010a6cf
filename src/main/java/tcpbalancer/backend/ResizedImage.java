package tcpbalancer.backend;

/** An encoded result of {@link ImageResizer}. */
public record ResizedImage(byte[] bytes, String format, int width, int height) {
}
