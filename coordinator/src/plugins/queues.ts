import fp from 'fastify-plugin';
import { Producer, type QueueOptions } from '../queues/producer';

declare module 'fastify' {
  interface FastifyInstance {
    queues: Producer;
  }
}

export default fp<QueueOptions>(
  async (app, opts) => {
    const producer = new Producer(opts);
    app.decorate('queues', producer);
    app.metrics.setQueueDepthSource(() => producer.depths());
    app.addHook('onClose', async () => {
      await producer.close();
    });
  },
  { name: 'cloister-queues', dependencies: ['cloister-metrics'] },
);
