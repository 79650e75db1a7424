# Windowgate container image: builds the shaded jar with Maven, runs it on a plain Java 17 JRE as a non-root user.
#
# Build (from the project root):
#   docker build -t windowgate .
#
# Run against the WhatsApp Cloud API:
#   docker run -p 8080:8080 -p 9876:9876 -e WHATSAPP_ACCESS_TOKEN=... windowgate
# An access token also needs WHATSAPP_APP_SECRET, WHATSAPP_PHONE_NUMBER_ID and (for the webhook handshake)
# WHATSAPP_WEBHOOK_VERIFY_TOKEN; every key of application.properties can be set this way (upper-case, '.' and
# '-' become '_'), e.g. -e DB_URL=jdbc:postgresql://db:5432/windowgate -e DB_USERNAME=... -e DB_PASSWORD=...
#
# Run in sandbox mode (no token: the built-in stand-in provider under http://localhost:8080/sandbox):
#   docker run -p 8080:8080 -p 9876:9876 windowgate
#
# The embedded database and the CSV drop folder live in /app/data (data/db, data/inbox); keep them across
# containers with a volume:  -v windowgate-data:/app/data
# Ports: 8080 webhooks and status API (and the sandbox); 9876 /observe/health and /observe/metrics.

# ---------------------------------------------------------------------------------------------------------------
# Build stage
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /build

# Dependencies first: this layer is rebuilt only when pom.xml changes, not on every source edit
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline

# Then the sources. The pom packs the root application.properties and routes/ into the jar.
COPY src/ src/
COPY routes/ routes/
COPY application.properties ./
# -Dcds.skip: the build's own class data sharing archive would belong to this JDK and path; the runtime stage makes one
# for its JRE below
RUN mvn -B -q package -DskipTests -Dcds.skip=true

# ---------------------------------------------------------------------------------------------------------------
# Runtime stage: only the jar (application.properties and the routes are on its classpath)
FROM eclipse-temurin:17-jre

RUN groupadd --gid 10001 windowgate \
 && useradd --no-log-init --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin windowgate

WORKDIR /app
# data/ (embedded HSQLDB under data/db, CSV drop folder data/inbox) must be writable by the app user;
# /app itself stays root-owned and read-only for it
RUN mkdir -p /app/data/inbox && chown -R 10001:10001 /app/data

COPY --from=build --chown=10001:10001 /build/target/windowgate.jar /app/windowgate.jar

# Class data sharing (AppCDS): a training start of this very JRE and jar, in sandbox mode on a throw-away database,
# runs until Camel has started everything, stops after camel.main.duration-max-seconds, and at its exit writes the
# classes it loaded to /app/windowgate.jsa. Every container start then maps them ready-parsed and verified instead of
# reading them from the jar (median start to ready 2.9 s -> 1.7 s on 2 cores: PARTS=startup bash .ci/benchmark-latency).
# An archive that does not match the JVM is ignored with a warning, never fatal (-Xshare:auto is the default).
RUN mkdir /tmp/training && cd /tmp/training \
 && java -XX:+UseSerialGC -XX:ArchiveClassesAtExit=/app/windowgate.jsa -Dcamel.main.duration-max-seconds=20 \
        -jar /app/windowgate.jar \
        > training.log 2>&1 \
 && test -s /app/windowgate.jsa || { tail -50 training.log; exit 1; } \
 && cd / && rm -rf /tmp/training

USER 10001:10001

EXPOSE 8080 9876

# liveness: the JVM and Camel run. Readiness (/observe/health/ready: the database answers, the routes run) is for a
# load balancer or Kubernetes (deploy/kubernetes), and a database outage is not fixed by restarting the container
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${CAMEL_MANAGEMENT_PORT:-9876}/observe/health/live" || exit 1

# The serial collector: the one the JVM picks by itself in a container of less than 1792 MiB (deploy/kubernetes gives
# 768 MiB), stated so that a larger container does not switch to G1. For a heap of a few hundred MiB on one or two
# cores it costs the least CPU: 8-9 % less per message than G1 in the full-loop benchmark (docs/benchmarks.md), with
# shorter answer times. To pick another, override the command (as deploy/kubernetes does) rather than add a second one.
ENTRYPOINT ["java", "-XX:+UseSerialGC", "-XX:SharedArchiveFile=/app/windowgate.jsa", "-jar", "/app/windowgate.jar"]
