# FaceClip web app for GPU hosts: the CUDA build of TorchSharp (TorchBackend=cuda).
# docker build -t faceclip . && docker run --gpus all -p 8080:8080 faceclip
# The same image is every node of a cluster: Node__Role=web (pages and API, no models, no GPU) or worker (runs jobs);
# compose.yaml and docs/deployment.md put them together with Redis and PostgreSQL.
# syntax=docker/dockerfile:1

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error
COPY . .
RUN dotnet publish src/FaceClip.Web -c Release -p:TorchBackend=cuda -o /app \
 && dotnet publish src/FaceClip.Cli -c Release -p:TorchBackend=cuda -o /app \
 && mkdir -p /app/models /app/node_modules/@vladmandic/face-api \
 && cp models/manifest.json /app/models/ \
 && cp -r models/regressor /app/models/ \
 && cp appsettings.json /app/ \
 && cp -r wwwroot/. /app/wwwroot/ \
 && cp -r node_modules/@vladmandic/face-api/model /app/node_modules/@vladmandic/face-api/ \
 && cp -r node_modules/three /app/node_modules/
# The face model is downloaded and verified once, at build time.
RUN cd /app && FACECLIP_HOME=/app dotnet faceclip.dll models fetch

FROM mcr.microsoft.com/dotnet/aspnet:10.0
# curl for the container health check (GET /health).
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
ENV FACECLIP_HOME=/app \
    ASPNETCORE_URLS=http://0.0.0.0:8080 \
    Urls=http://0.0.0.0:8080 \
    Compute__Device=auto \
    AllowedHosts="localhost;127.0.0.1" \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
WORKDIR /app
COPY --from=build /app /app
EXPOSE 8080
VOLUME ["/app/data"]
ENTRYPOINT ["dotnet", "FaceClip.Web.dll"]
