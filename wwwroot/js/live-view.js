// FaceClip live view: watches one job over the jobs hub (SignalR, MessagePack) and shows it as it converges:
// the mesh in a three.js canvas (vertex positions stream in), the current render, loss curves, stage and progress.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';

const views = new Map();

export async function attach(root, jobId, dotnet) {
  detach(root);
  const view = new LiveView(root, jobId, dotnet);
  views.set(root, view);
  await view.start();
}

export function detach(root) {
  const view = views.get(root);
  if (view) {
    view.dispose();
    views.delete(root);
  }
}

export function setMode(root, mode) {
  views.get(root)?.setMode(mode);
}

class LiveView {
  constructor(root, jobId, dotnet) {
    this.root = root;
    this.jobId = jobId;
    this.dotnet = dotnet;
    this.canvas = root.querySelector('canvas.mesh');
    this.renderImage = root.querySelector('img.render');
    this.chart = root.querySelector('canvas.losses');
    this.stageText = root.querySelector('.stage');
    this.progressBar = root.querySelector('.progress-fill');
    this.etaText = root.querySelector('.eta');
    this.history = new Map();
    this.mode = 'shaded';
    this.mesh = null;
    this.framesDrawn = 0;
  }

  async start() {
    this.setUpScene();
    this.topology = fetch('/api/model/topology').then(r => r.arrayBuffer()).then(b => new Uint32Array(b));
    this.connection = new signalR.HubConnectionBuilder()
      .withUrl('/hubs/jobs')
      .withHubProtocol(new signalR.protocols.msgpack.MessagePackHubProtocol())
      .withAutomaticReconnect()
      .build();
    this.connection.on('State', s => this.onState(s));
    this.connection.on('Progress', p => this.onProgress(p));
    this.connection.on('Render', r => this.onRender(r));
    this.connection.on('Vertices', v => this.onVertices(v));
    this.connection.onreconnected(() => this.connection.invoke('Subscribe', this.jobId));
    await this.connection.start();
    await this.connection.invoke('Subscribe', this.jobId);
  }

  setUpScene() {
    const width = this.canvas.clientWidth || 480;
    const height = this.canvas.clientHeight || 480;
    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(width, height, false);
    this.scene = new THREE.Scene();
    this.scene.background = new THREE.Color(0x1e1e24);
    this.camera = new THREE.PerspectiveCamera(30, width / height, 1, 1000);
    this.camera.position.set(0, 0, 90);
    this.scene.add(new THREE.HemisphereLight(0xffffff, 0x444455, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.8);
    key.position.set(30, 40, 80);
    this.scene.add(key);
    this.controls = new OrbitControls(this.camera, this.canvas);
    this.controls.enableDamping = true;
    const loop = () => {
      this.frame = requestAnimationFrame(loop);
      this.controls.update();
      this.renderer.render(this.scene, this.camera);
    };
    loop();
  }

  async onVertices(message) {
    const bytes = message.Positions;
    const positions = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (!this.mesh) {
      const index = await this.topology;
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(positions), 3));
      geometry.setIndex(new THREE.BufferAttribute(index, 1));
      geometry.computeVertexNormals();
      geometry.computeBoundingSphere();
      this.mesh = new THREE.Mesh(geometry, this.material());
      this.scene.add(this.mesh);
      const centre = geometry.boundingSphere.center;
      this.controls.target.copy(centre);
      this.camera.position.set(centre.x, centre.y, centre.z + geometry.boundingSphere.radius * 3.2);
    } else {
      const attribute = this.mesh.geometry.getAttribute('position');
      attribute.array.set(positions);
      attribute.needsUpdate = true;
      this.mesh.geometry.computeVertexNormals();
    }
    this.framesDrawn++;
    this.root.dataset.meshUpdates = String(this.framesDrawn);
  }

  material() {
    if (this.mode === 'wireframe') {
      return new THREE.MeshBasicMaterial({ color: 0x9ad0ff, wireframe: true });
    }
    return new THREE.MeshStandardMaterial({ color: 0xd9b59c, roughness: 0.75, metalness: 0.0 });
  }

  setMode(mode) {
    this.mode = mode;
    if (mode === 'textured') {
      this.showTextured();
      return;
    }
    if (this.textured) {
      this.textured.visible = false;
    }
    if (this.mesh) {
      this.mesh.visible = true;
      this.mesh.material.dispose();
      this.mesh.material = this.material();
    }
  }

  async showTextured() {
    if (!this.textured && this.artifacts?.includes('mesh.glb')) {
      const gltf = await new GLTFLoader().loadAsync(`/api/jobs/${this.jobId}/artifacts/mesh.glb`);
      this.textured = gltf.scene;
      this.scene.add(this.textured);
    }
    if (this.textured) {
      this.textured.visible = true;
      if (this.mesh) {
        this.mesh.visible = false;
      }
    }
  }

  onRender(message) {
    const blob = new Blob([message.Png], { type: 'image/png' });
    const url = URL.createObjectURL(blob);
    const previous = this.renderImage.src;
    this.renderImage.src = url;
    if (previous.startsWith('blob:')) {
      URL.revokeObjectURL(previous);
    }
  }

  onProgress(p) {
    this.stageText.textContent = `${p.Stage} ${p.Iteration}/${p.TotalIterations}`;
    this.progressBar.style.width = `${Math.round(p.Fraction * 100)}%`;
    this.etaText.textContent = p.RemainingSeconds != null ? `${Math.ceil(p.RemainingSeconds)} s left` : '';
    // One x axis for the whole job: each report is one step; a stage change leaves a labelled mark.
    this.step = (this.step ?? -1) + 1;
    this.stageMarks ??= [];
    if (this.stageMarks.length === 0 || this.stageMarks[this.stageMarks.length - 1].stage !== p.Stage) {
      this.stageMarks.push({ step: this.step, stage: p.Stage });
    }
    for (const [name, value] of Object.entries(p.Losses)) {
      if (name === 'total') continue;
      if (!this.history.has(name)) this.history.set(name, []);
      this.history.get(name).push([this.step, value]);
    }
    this.drawChart();
  }

  drawChart() {
    const ctx = this.chart.getContext('2d');
    const w = this.chart.width, h = this.chart.height;
    ctx.fillStyle = '#1e1e24';
    ctx.fillRect(0, 0, w, h);
    const colours = ['#ff6b6b', '#ffd93d', '#6bcB77', '#4d96ff', '#c77dff', '#ff9f1c', '#2ec4b6'];
    let lo = Infinity, hi = -Infinity;
    for (const values of this.history.values()) {
      for (const [, v] of values) {
        if (v > 0) {
          const l = Math.log10(v);
          if (l < lo) lo = l;
          if (l > hi) hi = l;
        }
      }
    }
    if (lo === Infinity) return;
    const span = Math.max(hi - lo, 1e-6);
    const steps = Math.max(this.step, 1);
    const plotWidth = w - 90;
    const xOf = step => (step / steps) * plotWidth;
    ctx.font = '11px sans-serif';
    ctx.strokeStyle = '#55555f';
    ctx.fillStyle = '#9a9aa5';
    for (const mark of this.stageMarks ?? []) {
      const x = xOf(mark.step);
      ctx.beginPath();
      ctx.moveTo(x, 0);
      ctx.lineTo(x, h);
      ctx.stroke();
      ctx.fillText(mark.stage, x + 3, h - 4);
    }
    let i = 0;
    for (const [name, values] of this.history) {
      ctx.strokeStyle = colours[i % colours.length];
      ctx.fillStyle = ctx.strokeStyle;
      ctx.beginPath();
      values.forEach(([step, v], k) => {
        const x = xOf(step);
        const y = h - 6 - ((Math.log10(Math.max(v, 1e-12)) - lo) / span) * (h - 12);
        if (k === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
      });
      ctx.stroke();
      ctx.fillText(name, w - 84, 14 + i * 14);
      i++;
    }
  }

  onState(state) {
    this.artifacts = state.Artifacts || [];
    this.root.dataset.status = state.Status;
    if (state.Stage) this.stageText.textContent = state.Stage;
    if (state.Status === 'Completed') this.progressBar.style.width = '100%';
    this.dotnet?.invokeMethodAsync('OnStateChanged', state.Status, state.Stage ?? null, state.Critic ?? null, state.Device ?? null, state.Error ?? null, this.artifacts);
  }

  dispose() {
    cancelAnimationFrame(this.frame);
    this.connection?.stop();
    this.controls?.dispose();
    this.renderer?.dispose();
  }
}
