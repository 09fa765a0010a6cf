package tcpbalancer.proxy.requests;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tcpbalancer.protocol.Status;
import tcpbalancer.proxy.UpstreamGroup;
import tcpbalancer.proxy.UpstreamState;

/**
 * The backends as one proxy instance sees them in request mode: one {@link BackendLink} each, and the requests
 * waiting because every backend's window is full. It chooses the backend of each request: the least requests in
 * flight relative to weight among those up and ready, preferring one the request has not been sent to yet. It
 * resends a request whose connection broke or whose backend answered {@code BUSY}, up to {@code retries} times.
 * Runs on the instance's event loop.
 */
final class BackendPool {

  private final Context context;
  private final UpstreamGroup group;
  private final NetClient netClient;
  private final RequestMeters meters;
  private final int retries;
  private final boolean closeWhenDown;
  private final Map<UpstreamState, BackendLink> links = new HashMap<>();
  private final FlushBatch flushBatch = new FlushBatch();
  /** Requests no backend has room for, oldest first; their clients read nothing more meanwhile. */
  private final ArrayDeque<ProxiedRequest> waiting = new ArrayDeque<>();
  private final Map<UpstreamState, Consumer<UpstreamState.StateChange>> downWatches = new HashMap<>();
  /** Forgets the backends the list loses (reload, discovery, admin API): see {@link #listChanged}. */
  private final Consumer<List<UpstreamState>> listWatch;
  /** How many choices of a backend were made: each link remembers the number of its last. */
  private long choices;
  private boolean dispatching;
  private boolean dispatchAgain;

  BackendPool(Context context, UpstreamGroup group, NetClient netClient, RequestMeters meters, int retries,
              boolean closeWhenDown) {
    this.context = context;
    this.group = group;
    this.netClient = netClient;
    this.meters = meters;
    this.retries = retries;
    this.closeWhenDown = closeWhenDown;
    this.listWatch = list -> context.runOnContext(v -> listChanged(list));
    group.onChange(listWatch);
  }

  Context context() {
    return context;
  }

  NetClient netClient() {
    return netClient;
  }

  RequestMeters meters() {
    return meters;
  }

  /** The instance's writes made while it handles reads, flushed once per socket after the event loop's pass. */
  FlushBatch flushBatch() {
    return flushBatch;
  }

  /** A new request from a client: sent now, or queued behind those already waiting. */
  void submit(ProxiedRequest request) {
    if (!waiting.isEmpty() || !tryDispatch(request)) {
      waiting.addLast(request);
      request.client.waitStarted();
    }
  }

  /**
   * Sends {@code request} to the best backend with room, or answers it when none is up; false: it must wait. One
   * pass over the upstreams, allocating nothing (it runs once a request): the candidates are the eligible backends
   * the request was not sent to yet, or all eligible ones when it was sent to each; the best is the candidate with
   * room and the least load, ties going to the one chosen longest ago (so they go round the backends).
   */
  private boolean tryDispatch(ProxiedRequest request) {
    List<UpstreamState> upstreams = group.upstreams();
    int count = upstreams.size();
    boolean anyEligible = false;
    boolean anyUntried = false;
    BackendLink bestUntried = null;
    BackendLink bestTried = null;
    for (int i = 0; i < count; i++) {
      UpstreamState upstream = upstreams.get(i);
      BackendLink link = linkOf(upstream);
      if (!link.eligible()) {
        continue;
      }
      anyEligible = true;
      boolean untried = !request.wasSentTo(upstream);
      anyUntried |= untried;
      if (link.hasRoom()) {
        if (untried) {
          bestUntried = lessLoaded(bestUntried, link);
        } else {
          bestTried = lessLoaded(bestTried, link);
        }
      }
    }
    if (!anyEligible) {
      request.client.answerError(request, Status.BUSY, "no backend is up (of " + count + ")"
        + (request.lastFailure.isEmpty() ? "" : "; last failure: " + request.lastFailure));
      return true;
    }
    BackendLink best = anyUntried ? bestUntried : bestTried;
    if (best == null) {
      return false;
    }
    request.sends++;
    best.chosen(++choices);
    request.sentTo(best.upstream());
    request.client.sentTo(best.upstream());
    best.send(request);
    return true;
  }

  /** The less loaded of the two; of two as loaded, the one chosen longest ago. */
  private static BackendLink lessLoaded(BackendLink best, BackendLink link) {
    if (best == null) {
      return link;
    }
    double load = link.loadWithOneMore();
    double bestLoad = best.loadWithOneMore();
    return load < bestLoad || load == bestLoad && link.lastChosen() < best.lastChosen() ? link : best;
  }

  private BackendLink linkOf(UpstreamState upstream) {
    BackendLink link = links.get(upstream);
    if (link == null) {
      link = link(upstream);
      links.put(upstream, link);
    }
    return link;
  }

  private BackendLink link(UpstreamState upstream) {
    BackendLink link = new BackendLink(upstream, this);
    if (closeWhenDown) { // a hung backend answers nothing: its requests had better go elsewhere now
      Consumer<UpstreamState.StateChange> watch = change -> {
        if (!change.up()) {
          context.runOnContext(v -> link.closeAll("the health checks took it down"));
        }
      };
      upstream.onStateChange(watch);
      downWatches.put(upstream, watch);
    }
    return link;
  }

  /** A backend the list lost gets no more requests; its connections close once its last request is answered. */
  private void listChanged(List<UpstreamState> list) {
    links.values().removeIf(link -> {
      boolean gone = !list.contains(link.upstream());
      if (gone) {
        Consumer<UpstreamState.StateChange> watch = downWatches.remove(link.upstream());
        if (watch != null) {
          link.upstream().removeOnStateChange(watch);
        }
        link.retire();
      }
      return gone;
    });
  }

  /** An answer came: to its client, unless it is {@code BUSY} and the request may be sent elsewhere. */
  void answered(BackendLink link, ProxiedRequest request, Buffer body) {
    if (FrameHeaders.status(body) == Status.BUSY.code() && request.sends <= retries && request.canBeSent()
      && !request.client.closed()) {
      request.lastFailure = link.upstream().upstream().address() + " was busy";
      link.meters().resent();
      request.client.resent();
      resend(request);
    } else {
      request.client.answer(request, body);
    }
    dispatchWaiting();
  }

  /** A connection broke with {@code requests} in flight: each is sent elsewhere, or answered when out of tries. */
  void lost(BackendLink link, List<ProxiedRequest> requests, String why) {
    String address = link.upstream().upstream().address();
    for (ProxiedRequest request : requests) {
      if (request.client.closed()) {
        continue;
      }
      request.lastFailure = address + ": " + why;
      if (!request.canBeSent()) {
        request.abandon();
        request.client.answerError(request, Status.INTERNAL_ERROR, "its backend failed before answering ("
          + request.lastFailure + ") and it cannot be resent: its frame of " + request.bodySize + " body bytes is "
          + "larger than the " + PoolSizing.CLIENT_RESEND_BUDGET + " bytes the proxy keeps for resends per client, "
          + "and " + request.received() + " of them were relayed already");
      } else if (request.sends > retries) {
        request.client.answerError(request, Status.INTERNAL_ERROR, "no backend answered in " + request.sends
          + " sends (retries " + retries + "; last: " + request.lastFailure + ")");
      } else {
        link.meters().resent();
        request.client.resent();
        resend(request);
      }
    }
    dispatchWaiting();
  }

  /** A resend goes before the requests waiting: it has waited longest. */
  private void resend(ProxiedRequest request) {
    if (!tryDispatch(request)) {
      waiting.addFirst(request);
      request.client.waitStarted();
    }
  }

  /** Room may have come free: sends waiting requests, oldest first, while a backend has room. */
  void dispatchWaiting() {
    if (dispatching) { // called again from within (an answer let a client send more): the loop below goes on
      dispatchAgain = true;
      return;
    }
    dispatching = true;
    try {
      do {
        dispatchAgain = false;
        while (!waiting.isEmpty()) {
          ProxiedRequest next = waiting.peekFirst();
          if (!next.client.closed() && !tryDispatch(next)) {
            break;
          }
          waiting.pollFirst();
          next.client.waitEnded();
        }
      } while (dispatchAgain);
    } finally {
      dispatching = false;
    }
  }

  /** The instance stops: no more watching the backends' health (its connections close with the proxy's client). */
  void close() {
    group.removeOnChange(listWatch);
    downWatches.forEach((upstream, watch) -> upstream.removeOnStateChange(watch));
    downWatches.clear();
  }
}
