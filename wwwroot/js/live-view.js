// FaceClip live view: watches one job over the jobs hub (SignalR, MessagePack) and shows it as it converges and once
// it is done. While it runs: the mesh in a three.js canvas (vertex positions stream in), the current render, the loss
// chart, and the whole job's progress with its stages marked. A page that joins late, or opens a finished job, first
// replays every step so far (the hub's History). Once the job is done: the fit's and each prompt's GLB, textured,
// shaded or as wireframe, all at one framing.
import * as THREE from 'three';
import { OrbitControls } from 'three/addons/controls/OrbitControls.js';
import { GLTFLoader } from 'three/addons/loaders/GLTFLoader.js';
import uPlot from 'uplot';

const views = new Map();
const finished = ['Completed', 'Failed', 'Cancelled', 'Interrupted'];
const colours = ['#ff6b6b', '#ffd93d', '#6bcb77', '#4d96ff', '#c77dff', '#ff9f1c', '#2ec4b6', '#f15bb5', '#9ef01a', '#00bbf9', '#fee440', '#e0aaff'];

export async function attach(root, jobId, dotnet, view, mode) {
  detach(root);
  const live = new LiveView(root, jobId, dotnet, view ?? 'fit', mode ?? 'shaded');
  views.set(root, live);
  await live.start();
}

export function detach(root) {
  const live = views.get(root);
  if (live) {
    live.dispose();
    views.delete(root);
  }
}

/** Shows a finished job's fit ('fit') or a prompt's face (its folder), textured, shaded or as wireframe. */
export function show(root, view, mode) {
  return views.get(root)?.show(view, mode);
}

/** Seconds as "42 s" or "2:05". */
function duration(seconds) {
  const s = Math.max(0, Math.round(seconds));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

class LiveView {
  constructor(root, jobId, dotnet, view, mode) {
    this.root = root;
    this.jobId = jobId;
    this.dotnet = dotnet;
    this.view = view;
    this.mode = mode;
    this.canvas = root.querySelector('canvas.mesh');
    this.chartBox = root.querySelector('.losses');
    this.stageText = root.querySelector('.stage');
    this.percentText = root.querySelector('.percent');
    this.etaText = root.querySelector('.eta');
    this.bar = root.querySelector('.progress');
    this.progressFill = root.querySelector('.progress-fill');
    this.marksBox = root.querySelector('.progress-marks');
    this.steps = [];
    this.stages = [];
    this.marks = [];
    this.status = root.dataset.status;
    this.liveMesh = null;
    this.glbs = new Map();
    this.meshUpdates = 0;
    this.renders = 0;
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
    this.connection.on('History', h => this.onHistory(h));
    this.connection.on('Progress', p => this.onProgress(p));
    this.connection.on('Render', r => this.onRender(r));
    this.connection.on('Vertices', v => this.onVertices(v));
    // A lost connection (the server restarting) is retried; once back, the job is subscribed again and replays.
    this.connection.onreconnecting(() => { this.root.dataset.connection = 'reconnecting'; });
    this.connection.onreconnected(() => {
      this.root.dataset.connection = 'connected';
      this.connection.invoke('Subscribe', this.jobId).catch(e => console.warn('subscribing again failed', e));
    });
    this.connection.onclose(() => { this.root.dataset.connection = 'closed'; });
    await this.connection.start();
    this.root.dataset.connection = 'connected';
    try {
      await this.connection.invoke('Subscribe', this.jobId);
    } catch (e) {
      // The job went while the view was starting (deleted from this page or another): the hub refuses it. The page
      // stays usable; a rejected attach would end the page's whole Blazor circuit.
      this.root.dataset.connection = 'refused';
      console.warn('subscribing to the job failed', e);
    }
  }

  // ---- the 3D view

  setUpScene() {
    const width = this.canvas.clientWidth || 480;
    const height = this.canvas.clientHeight || 480;
    this.renderer = new THREE.WebGLRenderer({ canvas: this.canvas, antialias: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(window.devicePixelRatio || 1);
    this.renderer.setSize(width, height, false);
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
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
    this.shaded = new THREE.MeshStandardMaterial({ color: 0xd9b59c, roughness: 0.75, metalness: 0.0 });
    this.wire = new THREE.MeshBasicMaterial({ color: 0x9ad0ff, wireframe: true });
    this.controls.addEventListener('change', () => this.requestRender());
    this.requestRender();
  }

  /** Draws the scene at the next frame, once however often it is asked for, and resolves when it is drawn. The view
   * is drawn only when something changed (a mesh, the camera, a material): a loop drawing every frame keeps the GPU
   * busy for nothing, and where WebGL is software-rendered it takes the CPU from the page and the server. */
  requestRender() {
    this.renderPromise ??= new Promise(resolve => {
      this.animation = requestAnimationFrame(() => {
        this.renderPromise = null;
        this.controls.update(); // a damped move still under way asks for the next frame through its 'change'
        this.renderer.render(this.scene, this.camera);
        resolve();
      });
    });
    return this.renderPromise;
  }

  /** Points the camera at a bounding sphere: done once for the live mesh and once for the results, so switching
   * between the fit and the prompts, textured or shaded, keeps the same framing. */
  frame(sphere) {
    const centre = sphere.center;
    this.controls.target.copy(centre);
    this.camera.position.set(centre.x, centre.y, centre.z + sphere.radius * 3.2);
    this.camera.updateProjectionMatrix();
  }

  liveMaterial() {
    return this.mode === 'wireframe' ? this.wire : this.shaded;
  }

  async onVertices(message) {
    if (this.showingResult) return;
    const bytes = message.Positions;
    const positions = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
    if (!this.liveMesh) {
      const index = await this.topology;
      const geometry = new THREE.BufferGeometry();
      geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array(positions), 3));
      geometry.setIndex(new THREE.BufferAttribute(index, 1));
      geometry.computeVertexNormals();
      geometry.computeBoundingSphere();
      this.liveMesh = new THREE.Mesh(geometry, this.liveMaterial());
      this.scene.add(this.liveMesh);
      this.frame(geometry.boundingSphere);
    } else {
      const attribute = this.liveMesh.geometry.getAttribute('position');
      attribute.array.set(positions);
      attribute.needsUpdate = true;
      this.liveMesh.geometry.computeVertexNormals();
    }
    await this.requestRender();
    this.meshUpdates++; // meshes drawn
    this.root.dataset.meshUpdates = String(this.meshUpdates);
  }

  async glb(view) {
    if (!this.glbs.has(view)) {
      const name = view === 'fit' ? 'mesh.glb' : `${view}/mesh.glb`;
      this.glbs.set(view, new GLTFLoader().loadAsync(`/api/jobs/${this.jobId}/artifacts/${name}`).then(gltf => {
        const meshes = [];
        // A fit with the detail pass carries a normal map: the shaded view shows its wrinkles too.
        gltf.scene.traverse(o => {
          if (!o.isMesh) return;
          const normalMap = o.material.normalMap;
          const shaded = normalMap ? Object.assign(this.shaded.clone(), { normalMap }) : this.shaded;
          meshes.push({ mesh: o, textured: o.material, shaded });
        });
        if (meshes.some(m => m.shaded !== this.shaded)) this.root.dataset.normalMap = 'true';
        gltf.scene.visible = false;
        this.scene.add(gltf.scene);
        return { scene: gltf.scene, meshes };
      }));
    }
    return this.glbs.get(view);
  }

  async show(view, mode) {
    this.view = view ?? this.view;
    this.mode = mode ?? this.mode;
    if (!this.hasResult()) {
      if (this.liveMesh) this.liveMesh.material = this.liveMaterial();
      await this.requestRender();
      this.root.dataset.mode = this.mode;
      return;
    }
    const wanted = `${this.view}/${this.mode}`;
    this.wanted = wanted;
    const entry = await this.glb(this.view);
    if (this.wanted !== wanted) return; // a later choice won
    if (!this.resultFramed) {
      // Framed on the fit's face, so every prompt's face (the same head) shows at the same framing.
      const fit = await this.glb('fit');
      const box = new THREE.Box3().setFromObject(fit.scene, true);
      this.frame(box.getBoundingSphere(new THREE.Sphere()));
      this.resultFramed = true;
    }
    this.showingResult = true;
    if (this.liveMesh) this.liveMesh.visible = false;
    for (const [key, other] of this.glbs) {
      const e = await other;
      e.scene.visible = key === this.view;
    }
    for (const { mesh, textured, shaded } of entry.meshes) {
      mesh.material = this.mode === 'textured' ? textured : this.mode === 'wireframe' ? this.wire : shaded;
    }
    await this.requestRender();
    if (this.wanted !== wanted) return; // a later choice came while this one was drawn
    this.root.dataset.shown = this.view;
    this.root.dataset.mode = this.mode;
    this.root.dataset.camera = [...this.camera.position.toArray(), ...this.controls.target.toArray()].map(v => v.toFixed(3)).join(',');
    this.root.dataset.viewerReady = 'true';
  }

  hasResult() {
    return this.status === 'Completed' && (this.artifacts ?? []).includes('mesh.glb');
  }

  onRender(message) {
    if (this.showingResult) return;
    const image = this.root.querySelector('img.render');
    if (!image) return;
    const url = URL.createObjectURL(new Blob([message.Png], { type: 'image/png' }));
    const previous = image.src;
    image.src = url;
    if (previous.startsWith('blob:')) URL.revokeObjectURL(previous);
    this.renders++;
    this.root.dataset.renders = String(this.renders);
    this.root.dataset.firstRenderStage ??= message.Stage;
  }

  // ---- progress of the whole job

  onProgress(p) {
    this.root.dataset.joinedStage ??= p.Stage;
    this.addStep(p);
    this.showProgress(p);
    this.scheduleChart();
  }

  onHistory(h) {
    this.steps = [];
    for (const p of h.Steps) this.addStep(p);
    if (h.Steps.length > 0) {
      // The stage the job was in when this page joined: the latest render it replays is from that stage or the one before.
      this.root.dataset.joinedStage ??= h.Steps[h.Steps.length - 1].Stage;
      this.showProgress(h.Steps[h.Steps.length - 1]);
    }
    this.root.dataset.replayed = String(h.Steps.length);
    this.scheduleChart();
  }

  addStep(p) {
    this.steps.push(p);
    this.last = p;
    if (p.Marks?.length) this.marks = p.Marks;
    this.root.dataset.steps = String(this.steps.length);
  }

  showProgress(p) {
    const running = !finished.includes(this.status);
    const done = this.status === 'Completed';
    const fraction = done ? 1 : p.Fraction;
    this.progressFill.style.width = `${(fraction * 100).toFixed(1)}%`;
    this.bar.setAttribute('aria-valuenow', String(Math.round(fraction * 100)));
    this.drawMarks();
    if (!running) {
      this.stageText.textContent = this.statusWord();
      this.percentText.textContent = done ? '100%' : `stopped at ${Math.round(p.Fraction * 100)}%`;
      this.etaText.textContent = '';
      return;
    }
    this.stageText.textContent = `${p.Stage} ${p.Iteration}/${p.TotalIterations}`;
    this.percentText.textContent = `${Math.round(fraction * 100)}%`;
    this.bar.setAttribute('aria-valuetext', `${Math.round(fraction * 100)}%, ${p.Stage}`);
    if (this.root.dataset.cancelling === 'true') {
      this.etaText.textContent = '';
    } else if (p.RemainingSeconds == null) {
      this.etaText.textContent = 'estimating the time left…';
    } else if (p.RemainingSeconds < 1) {
      this.etaText.textContent = `finishing… (${duration(p.ElapsedSeconds)} so far)`;
    } else {
      const total = p.ElapsedSeconds + p.RemainingSeconds;
      this.etaText.textContent = `about ${duration(p.RemainingSeconds)} left of ${duration(total)}`;
    }
  }

  /** The stage marks under the bar; a label that would overlap the one before goes on the next row. */
  drawMarks() {
    const marks = this.marks?.length ? this.marks : [];
    const names = this.stages;
    if (marks.length === 0 || names.length !== marks.length) return;
    const key = marks.map(m => m.toFixed(3)).join(',');
    if (key === this.marksKey) return;
    this.marksKey = key;
    const width = this.marksBox.clientWidth || 600;
    const rowEnds = [];
    this.marksBox.replaceChildren();
    names.forEach((name, i) => {
      const x = marks[i] * width;
      const labelWidth = name.length * 7 + 10;
      let row = rowEnds.findIndex(end => x >= end);
      if (row < 0) { row = rowEnds.length; rowEnds.push(0); }
      rowEnds[row] = x + labelWidth;
      const mark = document.createElement('span');
      mark.className = 'mark';
      mark.style.left = `${(marks[i] * 100).toFixed(2)}%`;
      mark.style.top = `${row * 16}px`;
      mark.textContent = name;
      this.marksBox.appendChild(mark);
    });
    this.marksBox.style.height = `${Math.max(1, rowEnds.length) * 16 + 2}px`;
  }

  // ---- the loss chart

  scheduleChart() {
    if (this.chartPending) return;
    this.chartPending = true;
    requestAnimationFrame(() => {
      this.chartPending = false;
      this.drawChart();
    });
  }

  drawChart() {
    const names = [];
    for (const p of this.steps) {
      for (const name of Object.keys(p.Losses ?? {})) {
        if (name !== 'total' && !names.includes(name)) names.push(name);
      }
    }
    if (names.length === 0) return;
    const xs = this.steps.map((_, i) => i + 1);
    const series = names.map(name => this.steps.map(p => {
      const v = p.Losses?.[name];
      return v > 0 ? v : null;
    }));
    const data = [xs, ...series];
    const key = names.join('|');
    if (!this.plot || this.plotKey !== key) {
      this.plot?.destroy();
      this.plotKey = key;
      this.plot = new uPlot(this.chartOptions(names), data, this.chartBox);
      this.resize ??= new ResizeObserver(() => this.plot?.setSize({ width: this.chartWidth(), height: 240 }));
      this.resize.observe(this.chartBox);
    } else {
      this.plot.setData(data);
    }
    this.root.dataset.chartPoints = String(xs.length);
    this.root.dataset.chartAxes = this.plot.axes.map(a => a.label ?? '').join('|'); // drawn on the canvas, said here
  }

  chartWidth() {
    return Math.max(320, this.chartBox.clientWidth || 560);
  }

  chartOptions(names) {
    const axis = { stroke: '#c8c8d0', grid: { stroke: '#34343e', width: 1 }, ticks: { stroke: '#34343e' }, font: '11px sans-serif', labelFont: '12px sans-serif' };
    const view = this;
    return {
      width: this.chartWidth(),
      height: 240,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [
        { ...axis, label: 'step (all stages)' },
        { ...axis, label: 'loss (log)', size: 60, values: (u, ticks) => ticks.map(t => t == null ? '' : t >= 0.01 && t < 1000 ? String(+t.toPrecision(2)) : t.toExponential(0)) },
      ],
      cursor: { drag: { x: false, y: false } },
      legend: { live: true },
      series: [
        { label: 'step', value: (u, v) => v == null ? '—' : `${v} (${view.steps[v - 1]?.Stage ?? ''})` },
        ...names.map((name, i) => ({
          label: name, stroke: colours[i % colours.length], width: 1.5, spanGaps: false, points: { show: false },
          value: (u, v) => v == null ? '—' : v.toPrecision(3),
        })),
      ],
      hooks: { draw: [u => this.drawStageLines(u)] },
    };
  }

  /** Stage changes as dashed lines with their names; a name too close to the one before goes one row lower. */
  drawStageLines(u) {
    const ctx = u.ctx;
    const pr = window.devicePixelRatio || 1;
    const starts = [];
    this.steps.forEach((p, i) => { if (i === 0 || p.Stage !== this.steps[i - 1].Stage) starts.push({ step: i + 1, stage: p.Stage }); });
    ctx.save();
    ctx.font = `${11 * pr}px sans-serif`;
    ctx.textBaseline = 'top';
    ctx.textAlign = 'left'; // uPlot leaves the context as its last axis label had it
    const rowEnds = [];
    for (const { step, stage } of starts) {
      const x = Math.round(u.valToPos(step, 'x', true));
      ctx.strokeStyle = '#8a8a96';
      ctx.setLineDash([4 * pr, 3 * pr]);
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      const width = ctx.measureText(stage).width + 8 * pr;
      let row = rowEnds.findIndex(end => x >= end);
      if (row < 0) { row = rowEnds.length; rowEnds.push(0); }
      rowEnds[row] = x + width;
      ctx.fillStyle = 'rgba(30, 30, 36, 0.85)';
      ctx.fillRect(x + 2 * pr, u.bbox.top + 2 * pr + row * 14 * pr, width - 4 * pr, 13 * pr);
      ctx.fillStyle = '#e6e6ee';
      ctx.fillText(stage, x + 4 * pr, u.bbox.top + 3 * pr + row * 14 * pr);
    }
    ctx.restore();
    this.root.dataset.stageLines = starts.map(s => s.stage).join(',');
  }

  // ---- state

  statusWord() {
    return { Completed: 'done', Cancelled: 'cancelled', Failed: 'failed', Interrupted: 'interrupted' }[this.status] ?? this.status;
  }

  onState(state) {
    this.status = state.Status === 'Cancelling' ? this.status : state.Status;
    this.artifacts = state.Artifacts || [];
    if (state.Stages?.length) this.stages = state.Stages;
    if (state.Marks?.length && !this.last?.Marks?.length) this.marks = state.Marks;
    if (state.Status === 'Cancelling') this.root.dataset.cancelling = 'true';
    this.root.dataset.status = this.status;
    if (this.last) {
      this.showProgress(this.last);
    } else {
      this.stageText.textContent = finished.includes(this.status) ? this.statusWord() : state.Stage ?? 'waiting for the device';
      this.drawMarks();
    }
    if (!this.last || this.last.Stage !== state.Stage) {
      // A stage without steps of its own (loading, finding the face, writing the results) names itself.
      if (!finished.includes(this.status) && state.Stage && !this.stages.includes(state.Stage)) this.stageText.textContent = state.Stage;
    }
    if (finished.includes(this.status)) this.etaText.textContent = '';
    if (this.hasResult()) this.show(this.view, this.mode === 'shaded' && !this.showingResult ? 'textured' : this.mode);
    this.dotnet?.invokeMethodAsync('OnStateChanged', state.Status, state.Stage ?? null, state.Critic ?? null, state.Device ?? null,
      state.Error ?? null, this.artifacts, state.Face ?? null);
  }

  dispose() {
    cancelAnimationFrame(this.animation);
    this.resize?.disconnect();
    this.plot?.destroy();
    this.connection?.stop();
    this.controls?.dispose();
    this.renderer?.dispose();
  }
}
