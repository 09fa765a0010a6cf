# Build: the fat jar, with Maven and a JDK 17.
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -q -B dependency:go-offline
COPY src ./src
RUN mvn -q -B -DskipTests package

# Run: a slim JRE with the jar and the sample images. Every service of docker-compose.yml is this image.
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY --from=build /src/target/tcpbalancer.jar /app/tcpbalancer.jar
COPY samples /app/samples
ENTRYPOINT ["java", "-jar", "/app/tcpbalancer.jar"]
CMD ["--help"]
