# syntax=docker/dockerfile:1
# The riskwatch image (docker-compose.yml, docs/deploy.md). The platform runs from its TypeScript sources
# through tsx, exactly as `npm start` does; there is no compile step. Two stages: the build stage has the
# toolchain that better-sqlite3 needs to compile its native module (when no prebuilt binary fits), the
# runtime stage has none of it.

FROM node:20-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
# Runtime dependencies only (tsx is one of them). Same lockfile as development and CI.
RUN npm ci --omit=dev \
 && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    RISKWATCH_DATA_DIR=/var/lib/riskwatch
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
# Sources and config/ stay root-owned: the service user can read them, not change them.
COPY . .
# The data dir belongs to the service user; a new named volume mounted here inherits that owner.
RUN mkdir -p /var/lib/riskwatch \
 && chown node:node /var/lib/riskwatch
USER node
VOLUME ["/var/lib/riskwatch"]
# MQTT, console/API, MQTT over TLS (when platform.mqtt.tls is configured). The metrics port (9464) is
# not exposed: contract.md keeps /metrics off the public port.
EXPOSE 1883 8080 8883
# package.json "start" (test/compose.test.ts keeps the two equal).
CMD ["node", "--min-semi-space-size=16", "--max-semi-space-size=32", "--import", "tsx", "app/main.ts", "serve"]
