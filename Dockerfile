# syntax=docker/dockerfile:1
# The orchestrator's image: compile with dev dependencies, run with production ones only.
# scripts/container-smoke.sh builds it with podman and checks it starts healthy.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# Only what the running app is compiled from: tests, benches and the Action are not shipped
# (tsconfig.build.json), and scripts/copy-assets.mjs puts the files the app reads at run time
# (SQL migrations, Lua scripts, dashboard files, the example plan) next to the compiled modules.
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/copy-assets.mjs ./scripts/
COPY app ./app
COPY schema ./schema
COPY seed ./seed
RUN npx tsc -p tsconfig.build.json \
 && node scripts/copy-assets.mjs \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    FLEET_DATA_DIR=/data
WORKDIR /app
# `fleet migrate`, `fleet plan check` ... inside the container: podman exec <c> fleet ...
RUN groupadd --system --gid 10001 fleet \
 && useradd --system --uid 10001 --gid fleet --home-dir /app --shell /usr/sbin/nologin fleet \
 && mkdir -p /data && chown fleet:fleet /data \
 && ln -s /app/bin/fleet.js /usr/local/bin/fleet
# Owned by root, run by fleet: the server cannot rewrite its own code.
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --chown=root:root package.json ./
COPY --chown=root:root bin ./bin
USER fleet
EXPOSE 3000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/app/main.js"]
