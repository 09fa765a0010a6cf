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
   * The request bytes the proxy holds for one client (kept until answered, for resends): past it, the proxy stops
   * reading that client. Two frames of the largest size.
   */
  static final long CLIENT_BYTE_BUDGET = 2L * (Frame.HEADER_SIZE + MAX_FRAME_SIZE);
  /** How long a backend whose connect failed gets no requests. */
  static final int COOL_OFF_MILLIS = 1_000;

  private PoolSizing() {
  }
}
