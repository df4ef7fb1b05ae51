# Production image: the API only. It expects MONGODB_URI (the embedded database is for
# development and tests and is not part of the image).
# test/e2e/dockerfile-recipe.e2e-spec.ts replays this recipe's COPY and RUN steps without Docker.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --no-audit --no-fund
COPY .swcrc ./
COPY scripts ./scripts
COPY apps ./apps
COPY libs ./libs
COPY bench ./bench
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
# DATA_DIR holds the mail outbox (without SMTP_URL): in the home of the user the API runs as,
# since /app belongs to root. Mount a volume there to keep it.
ENV NODE_ENV=production \
    PORT=5000 \
    HOST=0.0.0.0 \
    LOG_FORMAT=json \
    DATA_DIR=/home/node/data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
USER node
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 5000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
STOPSIGNAL SIGTERM
CMD ["node", "dist/apps/api/src/main.js"]
