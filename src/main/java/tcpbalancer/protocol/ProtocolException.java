package tcpbalancer.protocol;

/** A frame or message that breaks the wire protocol; carries the status to answer with. */
public class ProtocolException extends RuntimeException {

  private final Status status;

  public ProtocolException(Status status, String message) {
    super(message);
    this.status = status;
  }

  public Status status() {
    return status;
  }
}
