# okxkit: the bot supervisor (`okxkit up`) with its metrics endpoint and dashboard.
# Secrets never enter the image: no build argument or ENV carries a key. At run time the key comes
# from files (Docker / Kubernetes secrets mounted under /run/secrets) named by OKX_API_KEY_FILE,
# OKX_SECRET_KEY_FILE, OKX_PASSPHRASE_FILE and OKXKIT_DASHBOARD_TOKEN_FILE (see deploy/docker-compose.yml).

FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY bin ./bin
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    OKXKIT_HOME=/data
WORKDIR /app
COPY --from=build --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist ./dist
COPY --from=build --chown=root:root /app/bin ./bin
COPY --chown=root:root package.json ./
# State (bot journals, kill switch, audit trail, control socket) lives in a volume owned by the
# unprivileged user; the code stays root-owned and read-only to it.
RUN mkdir -p /data /config && chown node:node /data && chmod 700 /data
USER node
VOLUME ["/data"]
EXPOSE 9464
HEALTHCHECK --interval=30s --timeout=5s CMD ["node", "-e", "fetch('http://127.0.0.1:9464/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "/app/bin/okxkit.js"]
# Binding 0.0.0.0 (to be reachable from Prometheus) needs OKXKIT_DASHBOARD_TOKEN(_FILE).
CMD ["up", "-c", "/config/bots.yaml", "--host", "0.0.0.0", "--port", "9464"]
