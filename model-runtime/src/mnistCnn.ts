import * as tf from '@tensorflow/tfjs';

/**
 * The reference MNIST CNN: conv 5×5×8 → max-pool → conv 5×5×16 → max-pool → dense 10 (softmax), seeded Glorot init
 * (the architecture of ../shared/bench's PyTorch anchor). The one definition: the demo task (infra), the simulation's
 * attack runs, the client's epoch bench and the aggregator's inference bench use it. The caller disposes.
 */
export function mnistCnnModel(): tf.Sequential {
  const model = tf.sequential({ name: 'mnist_cnn' });
  model.add(tf.layers.conv2d({ name: 'conv1', inputShape: [28, 28, 1], filters: 8, kernelSize: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 16, kernelSize: 5, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  model.add(tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2 }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'logits', units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }));
  return model;
}

/** The reference CNN as a Layers topology. */
export function mnistCnnTopology(): Record<string, unknown> {
  const model = mnistCnnModel();
  const topology = model.toJSON(null, false) as unknown as Record<string, unknown>;
  model.dispose();
  return topology;
}
