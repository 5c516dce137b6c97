// Participant behaviours for attack experiments: how a participant turns its round into the update it sends. Free-
// riders (no data, an update that only looks like work), an honest participant that inflates its example count, and
// poisoners. Pure functions over named tensors, so the attack suite, the tests and the benches share them, whichever
// path (in-process federation or the real stack) carries the updates.
import type { Examples, NamedTensor, Rng } from '@cloister/client';
import type { UpdatePayload } from '@cloister/protocol';

export type Behaviour =
  | { kind: 'honest' }
  /** Free-rider: an all-zero update, claiming its examples. */
  | { kind: 'zero' }
  /** Free-rider: Gaussian noise, per coordinate N(0, σ²) with σ = ‖last global step‖/√P (1e-3 in round 1). */
  | { kind: 'noise' }
  /** Free-rider: the last global step (previous − the one before), times `scale`; zero in round 1. */
  | { kind: 'replay'; scale: number }
  /** Honest training, but claims `factor` × its example count. */
  | { kind: 'inflate'; factor: number }
  /** Poisoner: the honest update negated. */
  | { kind: 'sign-flip' }
  /** Poisoner: the honest update times `factor` (model replacement / boosting). */
  | { kind: 'scale'; factor: number }
  /** Poisoner: trains on flipped labels (class c → C − 1 − c). */
  | { kind: 'label-flip' }
  /** Poisoner (Baruch et al., NeurIPS 2019, "A little is enough"): the colluders' mean − z·std per coordinate. */
  | { kind: 'little-is-enough' };

export type BehaviourName = Behaviour['kind'];

export const FREE_RIDERS: readonly BehaviourName[] = ['zero', 'noise', 'replay'];
export const POISONERS: readonly BehaviourName[] = ['sign-flip', 'scale', 'label-flip', 'little-is-enough'];

/** A behaviour by name with the parameters the attack matrix uses (× 1000 claim, × 10 scaling, replay × 1). */
export function behaviour(name: BehaviourName): Behaviour {
  switch (name) {
    case 'replay':
      return { kind: 'replay', scale: 1 };
    case 'inflate':
      return { kind: 'inflate', factor: 1000 };
    case 'scale':
      return { kind: 'scale', factor: 10 };
    default:
      return { kind: name } as Behaviour;
  }
}

/** Whether the participant trains at all (free-riders hold no data worth training on). */
export function trains(b: Behaviour): boolean {
  return !['zero', 'noise', 'replay'].includes(b.kind);
}

/** Label-flipped copy of one-hot (or single-value class) examples: class c becomes C − 1 − c. */
export function flipLabels(examples: Examples): Examples {
  const width = examples.labelShape.reduce((a, b) => a * b, 1);
  const labels = new Float32Array(examples.labels.length);
  for (let i = 0; i < examples.count; i += 1) {
    if (width === 1) labels[i] = 1 - examples.labels[i]!; // binary: flip
    else for (let k = 0; k < width; k += 1) labels[i * width + (width - 1 - k)] = examples.labels[i * width + k]!;
  }
  return { ...examples, labels };
}

/**
 * z of "a little is enough": the largest z such that the malicious update still lies within the honest spread for a
 * majority: s = ⌊n/2 + 1⌋ − m supporters needed, z = Φ⁻¹((n − s)/n). n = 10, m = 2 → z ≈ 0.25.
 */
export function littleIsEnoughZ(participants: number, malicious: number): number {
  const s = Math.floor(participants / 2 + 1) - malicious;
  return inverseNormal((participants - s) / participants);
}

/** Φ⁻¹ by Acklam's rational approximation (relative error < 1.2e-9). */
export function inverseNormal(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -inverseNormal(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

export type BehaviourContext = {
  /** The participant's honest update (trained on flipped labels for label-flip); null for free-riders. */
  honest: UpdatePayload | null;
  /** Its example count (what an honest participant would claim). */
  numExamples: number;
  /** The round's global model and the one before it (null in round 1). */
  global: readonly NamedTensor[];
  previousGlobal: readonly NamedTensor[] | null;
  /** The honest updates of all little-is-enough colluders this round (they share them). */
  colluders: readonly UpdatePayload[];
  /** z for little-is-enough (see littleIsEnoughZ). */
  z: number;
  rng: Rng;
};

const map = (tensors: readonly NamedTensor[], f: (x: number, t: number, j: number) => number): NamedTensor[] =>
  tensors.map((t, ti) => ({ name: t.name, shape: [...t.shape], data: Float32Array.from(t.data, (x, j) => f(x, ti, j)) }));

/** The update a participant with behaviour `b` sends this round. */
export function applyBehaviour(b: Behaviour, ctx: BehaviourContext): UpdatePayload {
  const zeros = () => map(ctx.global, () => 0);
  const lastStep = () => (ctx.previousGlobal === null ? zeros() : map(ctx.global, (x, t, j) => x - ctx.previousGlobal![t]!.data[j]!));
  const honest = () => {
    if (ctx.honest === null) throw new RangeError(`behaviour ${b.kind} needs the participant's honest update`);
    return ctx.honest;
  };
  const payload = (deltas: NamedTensor[], numExamples = ctx.numExamples): UpdatePayload => ({ deltas, numExamples, metrics: {} });
  switch (b.kind) {
    case 'honest':
    case 'label-flip':
      return honest();
    case 'zero':
      return payload(zeros());
    case 'noise': {
      const step = lastStep();
      const size = step.reduce((a, t) => a + t.data.length, 0);
      const norm = Math.sqrt(step.reduce((a, t) => a + t.data.reduce((s, x) => s + x * x, 0), 0));
      const sigma = norm > 0 ? norm / Math.sqrt(size) : 1e-3;
      return payload(map(ctx.global, () => sigma * ctx.rng.normal()));
    }
    case 'replay':
      return payload(map(lastStep(), (x) => x * b.scale));
    case 'inflate':
      return { ...honest(), numExamples: honest().numExamples * b.factor };
    case 'sign-flip':
      return { ...honest(), deltas: map(honest().deltas, (x) => -x) };
    case 'scale':
      return { ...honest(), deltas: map(honest().deltas, (x) => x * b.factor) };
    case 'little-is-enough': {
      const group = ctx.colluders.length > 0 ? ctx.colluders : [honest()];
      const deltas = map(group[0]!.deltas, (_, t, j) => {
        let mean = 0;
        for (const u of group) mean += u.deltas[t]!.data[j]!;
        mean /= group.length;
        let variance = 0;
        for (const u of group) variance += (u.deltas[t]!.data[j]! - mean) ** 2;
        const std = Math.sqrt(variance / Math.max(1, group.length));
        return mean - ctx.z * std;
      });
      return { ...honest(), deltas };
    }
  }
}
