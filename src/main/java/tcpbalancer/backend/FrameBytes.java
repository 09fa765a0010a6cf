package tcpbalancer.backend;

import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * The budget bytes of the frame a connection is receiving: reserved from its header (perhaps waiting for room),
 * handed to the request once the frame is complete, or given back at once when the frame is dropped. A dropped
 * frame's waiting reservation is withdrawn, so a dead connection neither takes bytes later nor holds up the
 * connections waiting behind it. Used on the connection's event loop only.
 */
final class FrameBytes {

  private final ByteBudget budget;
  private long held;
  /** A reservation still waiting for room, and its size; null when none. */
  private Future<Void> waiting;
  private long waitingBytes;

  FrameBytes(ByteBudget budget) {
    this.budget = budget;
  }

  /** Reserves the frame's body; completes once it is held: at once if it fits, never if dropped before that. */
  Future<Void> reserve(int bytes) {
    Future<Void> reserved = budget.reserve(bytes);
    if (reserved.isComplete()) {
      held = bytes;
      return reserved;
    }
    waiting = reserved;
    waitingBytes = bytes;
    Promise<Void> granted = Promise.promise();
    reserved.onSuccess(v -> {
      if (waiting == reserved) { // else dropped after the budget granted it: the drop gave the bytes back
        waiting = null;
        held = bytes;
        granted.complete();
      }
    });
    return granted.future();
  }

  /** The frame is complete: its bytes now belong to its request, which gives them back; returns how many. */
  long handOver() {
    long bytes = held;
    held = 0;
    return bytes;
  }

  /** The frame is dropped: its bytes go back to the budget, and a reservation still waiting is withdrawn. */
  void drop() {
    if (waiting != null && !budget.withdraw(waiting)) {
      budget.release(waitingBytes); // granted, but not yet handed to us: the bytes are ours to give back
    }
    waiting = null;
    budget.release(held);
    held = 0;
  }
}
