import { useTestApp } from '../support/app';
import { FixtureModule } from '../support/fixture.module';

/** BODY_MAX_DEPTH (32 in .env.example): deeper JSON is refused before validation recurses through it. */
describe('nesting depth of a JSON body', () => {
  const t = useTestApp({ modules: [FixtureModule] });

  const echo = (payload: string) =>
    t.request({
      method: 'POST',
      url: '/api/fixture/echo',
      headers: { 'content-type': 'application/json' },
      payload,
    });
  const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);

  it('refuses a body nested 1,500 levels deep with 400 (not a stack overflow)', async () => {
    const res = await echo(nested(1_500));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ success: false, errorCode: 'BAD_REQUEST' });
    expect(res.body.message).toBe('Request body is nested deeper than 32 levels of arrays and objects');
  });

  it('refuses 50,000 levels just as well', async () => {
    const res = await echo(nested(50_000));
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/nested deeper than 32/);
  });

  it('counts objects and arrays alike, and not brackets inside strings', async () => {
    const deepObjects = '{"a":'.repeat(33) + '1' + '}'.repeat(33);
    expect((await echo(deepObjects)).body.message).toMatch(/nested deeper than 32/);
    const brackets = JSON.stringify({ name: '[[[[{{{{'.repeat(10), email: 'a@b.co', count: 1 });
    const res = await echo(brackets);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Validation failed/);
  });

  it('lets a body of exactly 32 levels through to validation', async () => {
    const res = await echo(`{"name":${nested(31)},"email":"a@b.co","count":1}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^Validation failed/);
  });
});
