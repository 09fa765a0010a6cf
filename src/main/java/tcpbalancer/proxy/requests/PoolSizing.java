package tcpbalancer.proxy.requests;

import tcpbalancer.protocol.Frame;

/**
 * How many connections each proxy instance keeps to each backend, and how many requests each carries at once.
 * A backend pauses a connection with {@code maxInFlightPerConnection} (8 by default) requests in progress and
 * works on at most {@code maxInFlight} (64) over all: a window of 8 never makes a backend pause, and 2 connections
 * on each of 2 instances (one per core) stay within 64. Past that, requests wait in the proxy, where the next
 * backend to finish one gets it, instead of in one backend's queue.
 */
final class PoolSizing {

  static final int CONNECTIONS_PER_BACKEND = 2;
  static final int WINDOW_PER_CONNECTION = 8;
  /** The largest body the proxy relays, either way: the backends' default {@code maxFrameSize}. */
  static final int MAX_FRAME_SIZE = Frame.DEFAULT_MAX_BODY_SIZE;
  /**
   * The request bytes the proxy keeps for one client, for resends, until their answers: a frame that fits is kept
   * (by reference), and a client whose next such frame would pass the budget is not read until answers free room;
   * a frame larger than the whole budget is relayed as it comes and kept not at all. 16 MiB: a window of 6 of the
   * bench's largest images (1.5 MB) fits many times over.
   */
  static final long CLIENT_RESEND_BUDGET = 16L * 1024 * 1024;
  /**
   * How long a client may send nothing in the middle of a body that holds a backend connection's write side (which
   * other clients' requests share) before the proxy gives up on it: well below a backend's own body timeout (30 s
   * by default), which would close the connection with every request on it.
   */
  static final int BODY_STALL_MILLIS = 5_000;
  /** How long a backend whose connect failed gets no requests. */
  static final int COOL_OFF_MILLIS = 1_000;

  private PoolSizing() {
  }
}
