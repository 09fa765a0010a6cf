package tcpbalancer.backend;

import tcpbalancer.protocol.ResizeRequest;

/**
 * A request a {@link BackendConnection} read: its id, what it asks ({@code null} when its body could not be
 * decoded), the budget bytes its frame holds until it is answered, and when it was read.
 */
record Request(long id, ResizeRequest resize, int bytes, long receivedNanos) {

  String name() {
    return resize == null ? "" : resize.name();
  }
}
