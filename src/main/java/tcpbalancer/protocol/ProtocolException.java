package tcpbalancer.protocol;

/** A frame or message that breaks the wire protocol; carries the status to answer with. */
public class ProtocolException extends StatusException {

  public ProtocolException(Status status, String message) {
    super(status, message);
  }
}
