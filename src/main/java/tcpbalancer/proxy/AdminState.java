package tcpbalancer.proxy;

import tcpbalancer.config.EnumNames;

/**
 * What an operator says of an upstream, apart from what its health checks say: whether it may take new
 * connections. Set through the admin API ({@code POST /api/upstreams/ADDRESS/state}); written as {@link EnumNames}
 * does ({@code ready}, {@code drain}, {@code maint}).
 */
public enum AdminState {
  /** Takes new connections while it is up. */
  READY,
  /** Takes no new connections; open ones finish. Health checks go on. */
  DRAIN,
  /** Takes no new connections, open ones finish, and health checks leave it alone: its health is unknown. */
  MAINT;

  public String configName() {
    return EnumNames.of(this);
  }
}
