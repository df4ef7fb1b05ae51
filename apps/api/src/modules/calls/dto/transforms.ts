/** Lower-cases every string of an array of ids (ids are stored and compared lower-case). */
export const lowerCaseEach = ({ value }: { value: unknown }): unknown =>
  Array.isArray(value) ? value.map((v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v)) : value;
