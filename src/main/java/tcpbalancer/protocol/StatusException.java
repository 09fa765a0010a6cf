package tcpbalancer.protocol;

/**
 * A failure with the {@link Status} its answer carries: a frame that breaks the protocol, an image that cannot
 * be resized, a request that got no answer. The message says what went wrong for a person to read.
 */
public class StatusException extends RuntimeException {

  private final Status status;

  public StatusException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public StatusException(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
