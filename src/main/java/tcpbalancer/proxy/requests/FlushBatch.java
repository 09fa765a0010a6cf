package tcpbalancer.proxy.requests;

import java.util.ArrayList;
import java.util.List;

/**
 * Defers the flushes of the frames one proxy instance writes while it handles reads, to one flush per socket after
 * the event loop's pass over the sockets that were ready. Vert.x flushes a write at once unless it is made during a
 * read of the same socket, and in request mode most writes are not: a backend connection's read of k answers writes
 * to the clients they belong to, and the requests those answers make room for may go to other backend connections.
 * Flushed one by one, each frame was a system call and a loopback segment of its own (1.6 writes a request on the
 * dry run, 0.6 so: bench/RESULTS.md, "Branch `reqcpu`"); the kernel's TCP work was most of the proxy's CPU.
 * Every read of request mode's sockets is handled between {@link #begin} and {@link #end} ({@link RawReads}); a
 * write made outside a read (a timer, a connect, a drained queue) is flushed at once, as before. Runs on the
 * instance's event loop.
 */
final class FlushBatch {

  /** Writers written to in this pass's reads and not flushed yet, each once. */
  private final List<FrameWriter> unflushed = new ArrayList<>();
  private final Runnable flushAll = this::flushAll;
  private int depth;
  private boolean flushScheduled;

  /** A read is being handled (reads nest: a write can make Vert.x deliver a read of another socket). */
  void begin() {
    depth++;
  }

  /**
   * The read is handled: once the outermost one is, every socket written to is flushed by a task of the event loop,
   * which Netty runs when it has handled every socket that was ready in this pass over them, so that the frames
   * other reads of the same pass write to a socket go out with the same flush.
   */
  void end() {
    if (--depth == 0 && !unflushed.isEmpty() && !flushScheduled) {
      flushScheduled = true;
      unflushed.get(0).executor().execute(flushAll);
    }
  }

  private void flushAll() {
    flushScheduled = false;
    // A flush can run handlers (a write queue drained) that write again: outside a read, those flush at once.
    for (int i = 0; i < unflushed.size(); i++) {
      unflushed.get(i).flushNow();
    }
    unflushed.clear();
  }

  /** Whether a write now may leave its flush to the task after the pass. */
  boolean active() {
    return depth > 0;
  }

  void flushLater(FrameWriter writer) {
    unflushed.add(writer);
  }
}
