package tcpbalancer.config;

/** A configuration value that cannot be used; the message names the field and the bad value. */
public class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }
}
