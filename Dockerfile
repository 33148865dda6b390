# Build: compiles the TypeScript and the native modules (better-sqlite3 builds from source).
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
# npm 11.18 or later: it honours allowScripts (package.json), which keeps onnxruntime-node's CUDA
# download from running; .npmrc refuses an older npm.
RUN npm install -g npm@11.19.1
COPY package.json package-lock.json .npmrc ./
# npm ci runs the console build script, which skips until the sources are there.
COPY scripts/build/build-console.js scripts/build/
RUN npm ci
COPY tsconfig.json nest-cli.json ./
COPY apps apps
COPY libs libs
COPY models/attrition models/attrition
RUN npm run build && npm prune --omit=dev

# Run: compiled code, production dependencies and the model artifact only.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=3000 MODEL_DIR=models/attrition SQLITE_PATH=data/attrition.sqlite
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY models/attrition models/attrition
RUN mkdir -p data && chown node:node data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
# node is PID 1: it handles SIGTERM itself and drains within SHUTDOWN_TIMEOUT_MS (docs/RELIABILITY.md).
# /health/live stays responsive during SQLite exports and lock waits; it is refused while draining.
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+process.env.PORT+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "dist/apps/api/src/main.js"]
