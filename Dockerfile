# Build: the fat jar, with Maven and a JDK 17.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src ./src
RUN mvn -q -B -DskipTests package

# Run: a slim JRE with the jar, its start script and the sample images. Every service of docker-compose.yml is this
# image. The script picks each program's JVM options (README.md, "Start script"); the class data archives it maps
# are made here, once, so that every container starts from them.
FROM eclipse-temurin:17-jre
WORKDIR /app
ENV TCPBALANCER_CDS_DIR=/app/cds
COPY --from=build /src/target/tcpbalancer.jar /app/tcpbalancer.jar
COPY bin/tcpbalancer /app/bin/tcpbalancer
COPY samples /app/samples
RUN /app/bin/tcpbalancer --make-cds backend && /app/bin/tcpbalancer --make-cds proxy \
  && /app/bin/tcpbalancer --make-cds client
ENTRYPOINT ["/app/bin/tcpbalancer"]
CMD ["--help"]
