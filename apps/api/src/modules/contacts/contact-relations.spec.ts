import { Types } from 'mongoose';
import { UserRecord } from '../users';
import { ContactRelations } from './contact-relations';

const user = (email: string) => ({ _id: new Types.ObjectId(), email }) as UserRecord;

describe('who sees whose email', () => {
  const viewer = user('viewer@example.com');
  const [stranger, listedByViewer, listingViewer] = [
    user('stranger@example.com'),
    user('listed@example.com'),
    user('listing@example.com'),
  ];
  const relations = new ContactRelations(
    viewer._id.toHexString(),
    new Set([listedByViewer._id.toHexString()]),
    new Set([listingViewer._id.toHexString()]),
    (id) => id === listingViewer._id.toHexString(),
  );

  it('hides a stranger and someone the viewer added without being added back', () => {
    expect(relations.showsEmail(stranger)).toBe(false);
    expect(relations.showsEmail(listedByViewer)).toBe(false);
  });

  it('shows someone who has the viewer in their own list, and the viewer', () => {
    expect(relations.showsEmail(listingViewer)).toBe(true);
    expect(relations.showsEmail(viewer)).toBe(true);
  });

  it('shows the user whose exact email the viewer gave, and nobody else for it', () => {
    expect(relations.showsEmail(stranger, 'stranger@example.com')).toBe(true);
    expect(relations.showsEmail(listedByViewer, 'stranger@example.com')).toBe(false);
  });

  it('keeps the shape: email is null when hidden', () => {
    expect(relations.view(stranger)).toHaveProperty('email', null);
    expect(relations.view(listingViewer)).toHaveProperty('email', 'listing@example.com');
  });

  it('tells contacts of the viewer apart', () => {
    expect(relations.isContact(listedByViewer._id.toHexString())).toBe(true);
    expect(relations.isContact(listingViewer._id.toHexString())).toBe(false);
  });

  it('shows the status a user chose only while they are connected, offline otherwise', () => {
    const busy = (u: UserRecord) => ({ ...u, presence: 'busy' }) as UserRecord;
    expect(relations.view(busy(listingViewer))).toHaveProperty('status', 'busy');
    expect(relations.view(busy(stranger))).toHaveProperty('status', 'offline');
  });
});
