package tcpbalancer.client;

import tcpbalancer.protocol.Status;

/** A request that got no answer: the connection failed, or the backend reported a connection-level error. */
public class ResizeException extends RuntimeException {

  private final Status status;

  public ResizeException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
