package tcpbalancer.backend;

import tcpbalancer.protocol.Status;

/** An image that cannot be resized, with the status its answer carries. */
public class ImageFailure extends Exception {

  private final Status status;

  public ImageFailure(Status status, String message) {
    super(message);
    this.status = status;
  }

  public ImageFailure(Status status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
