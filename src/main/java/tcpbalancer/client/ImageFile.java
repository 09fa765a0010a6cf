package tcpbalancer.client;

import java.nio.file.Path;

/**
 * An input file the client will send.
 *
 * @param path       where it is
 * @param name       its file name, as sent
 * @param format     {@code jpeg}, {@code png}, {@code webp}, {@code bmp}, {@code tiff} or {@code gif}: from its first
 *                   bytes, else from its extension
 * @param size       its size in bytes
 * @param resultStem the start of its results' names, unique in the run ({@link OutputNames#uniqueStems})
 */
public record ImageFile(Path path, String name, String format, long size, String resultStem) {
}
