/**
 * The login storm's reference: how many bcrypt comparisons per second this machine does alone,
 * with the product's cost (BCRYPT_ROUNDS) and the thread pool size it is given
 * (UV_THREADPOOL_SIZE), on the core main.ts pins it to (the server's). Keeps `IN_FLIGHT`
 * comparisons of a right password pending, as many logins as the storm has connections, for
 * `WARM_UP_S` then `DURATION_S` seconds, and prints `{ "rate": <comparisons per second> }`.
 */
import bcrypt from 'bcrypt';
import { BCRYPT_ROUNDS } from '../../libs/common/src/security/password';

const number = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

async function main(): Promise<void> {
  const password = 'BenchPass123';
  const hash = await bcrypt.hash(password, BCRYPT_ROUNDS);
  const warmUpEnd = Date.now() + number('WARM_UP_S', 1) * 1000;
  const end = warmUpEnd + number('DURATION_S', 5) * 1000;
  let counted = 0;
  const loop = async () => {
    while (Date.now() < end) {
      if (!(await bcrypt.compare(password, hash))) throw new Error('bcrypt.compare refused the right password');
      const now = Date.now();
      if (now >= warmUpEnd && now <= end) counted += 1;
    }
  };
  await Promise.all(Array.from({ length: number('IN_FLIGHT', 50) }, loop));
  process.stdout.write(`${JSON.stringify({ rate: counted / number('DURATION_S', 5) })}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
