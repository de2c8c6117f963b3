/**
 * Engine status page: picks a backend, loads the converted teacher from public/models/teacher and
 * runs it once on a generated image. The inspection UI (drop an image, maps, σ, verdict) builds on it.
 */
import { useEffect, useState } from 'react';
import * as tf from '@tensorflow/tfjs';
import { Teacher, TeacherMeta } from '../engine/teacher';
import { selectBackend } from './backend';

interface Status {
  backend?: string;
  notes?: string[];
  teacher?: string;
  taps?: string[];
  teacherMs?: number;
  error?: string;
}

const TEACHER_URL = `${import.meta.env.BASE_URL}models/teacher/mobilenet_v2`;

export function App() {
  const [status, setStatus] = useState<Status>({});

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const params = new URLSearchParams(window.location.search);
      const { backend, notes } = await selectBackend(params.get('backend') ?? undefined);
      if (cancelled) return;
      setStatus({ backend, notes });
      const res = await fetch(`${TEACHER_URL}/meta.json`);
      if (!res.ok) throw new Error(`teacher meta.json missing (${res.status}): run npm run models:teacher`);
      const meta = (await res.json()) as TeacherMeta;
      const teacher = await Teacher.load(`${TEACHER_URL}/model.json`, meta);
      const x = tf.randomUniform([1, 256, 256, 3]) as tf.Tensor4D;
      const t0 = performance.now();
      const taps = teacher.features(x);
      await Promise.all(taps.map((t) => t.data()));
      const teacherMs = performance.now() - t0;
      const shapes = taps.map((t, k) => `${teacher.taps[k].name}: ${t.shape.slice(1).join('×')}`);
      tf.dispose([x, ...taps]);
      teacher.dispose();
      if (!cancelled) setStatus({ backend, notes, teacher: `${meta.id}/${teacher.tapSet}`, taps: shapes, teacherMs });
    })().catch((e: unknown) => !cancelled && setStatus((s) => ({ ...s, error: (e as Error).message })));
    return () => {
      cancelled = true;
    };
  }, []);

  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '2rem auto', lineHeight: 1.5 }}>
      <h1>RD Inspector</h1>
      <p>Reverse-distillation anomaly detection, running entirely in this tab.</p>
      <dl>
        <dt>Backend</dt>
        <dd data-testid="backend">{status.backend ?? 'starting…'}</dd>
        {status.notes && status.notes.length > 0 && <dd>{status.notes.join('; ')}</dd>}
        <dt>Teacher</dt>
        <dd data-testid="teacher">{status.teacher ?? 'loading…'}</dd>
        {status.taps && (
          <dd>
            <ul>{status.taps.map((t) => <li key={t}>{t}</li>)}</ul>
            first forward pass at 256²: {status.teacherMs?.toFixed(0)} ms
          </dd>
        )}
      </dl>
      {status.error && <p role="alert" style={{ color: '#b00020' }}>Error: {status.error}</p>}
    </main>
  );
}
