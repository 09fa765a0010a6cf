package tcpbalancer.client;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import tcpbalancer.protocol.OutputFormat;
import tcpbalancer.protocol.ResizeMode;
import tcpbalancer.protocol.ResizeResponse;

/**
 * Turns a backend's "ok" answer into a result file. A client trusts no backend with its file system: the answer
 * must be for the file that was sent, fit the requested box and be an image of the format it says (its first
 * bytes are checked), and the result's name comes from the client's own file name ({@link OutputNames}), never
 * from the answer.
 */
final class ResultWriter {

  private static final long PROCESS = ProcessHandle.current().pid();

  private final Vertx vertx;
  private final ClientOptions options;
  private final Path outputFolder;
  /** The result files written so far: each counted once, however many rounds write it. */
  private final Set<Path> written = new HashSet<>();
  /** Temporary files named so far (event loop only). */
  private long temporaries;

  ResultWriter(Vertx vertx, ClientOptions options) {
    this.vertx = vertx;
    this.options = options;
    this.outputFolder = Path.of(options.output()).toAbsolutePath().normalize();
  }

  /**
   * Checks an "ok" answer for {@code file} and, unless this is a dry run, writes its image. Fails with the reason,
   * for the report, when the answer cannot be used or the file cannot be written.
   */
  Future<Void> accept(ImageFile file, ResizeResponse answer) {
    String invalid = check(file, answer);
    if (invalid != null) {
      return Future.failedFuture(invalid);
    }
    return options.dryRun() ? Future.succeededFuture() : write(file, answer);
  }

  /** How many distinct result files were written. */
  int filesWritten() {
    return written.size();
  }

  /** Why an "ok" answer cannot be used, or null. */
  private String check(ImageFile file, ResizeResponse answer) {
    if (!answer.name().equals(file.name())) {
      return "the backend " + answer.backend() + " answered for another file ('" + answer.name() + "')";
    }
    if (options.dryRun()) {
      return null;
    }
    boolean fits = options.mode() == ResizeMode.EXACT || options.mode() == ResizeMode.FILL
      ? answer.width() == options.width() && answer.height() == options.height()
      : answer.width() >= 1 && answer.height() >= 1 && answer.width() <= options.width()
        && answer.height() <= options.height();
    if (!fits) {
      return "the backend " + answer.backend() + " answered " + answer.width() + "x" + answer.height()
        + ", outside the requested " + options.width() + "x" + options.height();
    }
    if (!answer.format().equals("jpeg") && !answer.format().equals("png")) {
      return "the backend " + answer.backend() + " answered in an unknown format '" + answer.format() + "'";
    }
    String asked = OutputNames.resultFormat(file.format(), options.format());
    if (options.format() != OutputFormat.SAME && !answer.format().equals(asked)) {
      return "the backend " + answer.backend() + " answered in " + answer.format() + ", not the " + asked + " asked for";
    }
    if (!ImageSignatures.isA(answer.format(), answer.image())) {
      return "the backend " + answer.backend() + " answered bytes that are not a "
        + answer.format().toUpperCase(Locale.ROOT) + " image";
    }
    return null;
  }

  /**
   * Writes through a temporary file and a rename, so a crash never leaves a half-written image: both in one blocking
   * task (not Vert.x's writeFile and move, two hand-offs to a worker thread and back per image). The temporary name
   * is this process's and a counter (not a random UUID, whose SecureRandom costs a start its seeding): unique among
   * the clients writing to one folder.
   */
  private Future<Void> write(ImageFile file, ResizeResponse answer) {
    Path target;
    try {
      target = OutputNames.resultPath(outputFolder, file.name(), file.resultStem(), answer.width(), answer.height(),
        answer.format());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e.getMessage());
    }
    Path temporary = outputFolder.resolve("." + target.getFileName() + "." + PROCESS + "-" + (++temporaries) + ".part");
    byte[] image = answer.image().getBytes();
    return vertx.<Void>executeBlocking(() -> {
      try {
        Files.write(temporary, image);
        Files.move(temporary, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
      } catch (IOException e) {
        try {
          Files.deleteIfExists(temporary);
        } catch (IOException left) {
          e.addSuppressed(left);
        }
        throw e;
      }
    }, false)
      .onSuccess(v -> written.add(target))
      .recover(cause -> Future.failedFuture("cannot write " + target + ": " + osReason(cause)));
  }

  /**
   * What the operating system said, which Vert.x's own message ("Unable to write file at path ...") leaves out:
   * "No space left on device" and "Read-only file system" call for different fixes.
   */
  static String osReason(Throwable failure) {
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof AccessDeniedException) {
        return "Permission denied";
      }
      if (cause instanceof NoSuchFileException) {
        return "No such file or directory";
      }
      if (cause instanceof java.nio.file.FileSystemException nio && nio.getReason() != null) {
        return nio.getReason();
      }
    }
    return failure.getMessage();
  }
}
