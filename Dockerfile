# The Vigil API. Build stage: full install and `npm run build`; runtime stage: production
# dependencies and dist/ only. Expects DATABASE_URL (the embedded PostgreSQL is not meant for containers).
FROM node:24 AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:24 AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Two glibc malloc arenas instead of one per thread (V8's GC and libuv threads): a saturated worker in
# bench:checks peaked at 267-280 MB RSS instead of 275-284 MB, at the same CPU per check. npm run start:worker sets it too.
ENV MALLOC_ARENA_MAX=2
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# The default monitors file (MONITORS_FILE=config/monitors.yaml); mount another over it to change it.
COPY --from=build /app/config ./config
USER node
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:8000/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/apps/api/src/main.js"]
