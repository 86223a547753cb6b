# Build stage: full dependencies, Prisma client generation, TypeScript compile, and the
# operator console's bundle (dist/console, built by esbuild from console/).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

# Runtime stage: compiled output, production dependencies, migrations.
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/prisma ./prisma
COPY package.json ./
USER node
EXPOSE 3000
# The token CLI is compiled with the app and needs no tsx (docs/operations.md):
#   docker compose exec herald-1 node dist/cli/token.js --sub ops --roles admin
#   kubectl exec deploy/herald -- node dist/cli/token.js --sub ops --roles admin
# SIGTERM reaches node directly (no npm wrapper), so graceful shutdown runs. The flags are
# those of `npm start` (package.json); docs/performance.md says why they are there.
CMD ["node", "--liftoff-only", "--no-allocation-site-pretenuring", "dist/main.js"]
