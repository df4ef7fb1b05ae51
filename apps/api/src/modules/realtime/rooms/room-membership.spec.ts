import { RoomMembership } from './room-membership';

describe('RoomMembership', () => {
  it('finds a call room two users share, and none for a user alone or with themselves', () => {
    const rooms = new RoomMembership();
    rooms.join('c1', 'a', 's-a');
    rooms.join('c1', 'b', 's-b');
    rooms.join('c2', 'c', 's-c');
    expect(rooms.sharedCall('a', 'b')).toBe('c1');
    expect(rooms.sharedCall('b', 'a')).toBe('c1');
    expect(rooms.sharedCall('a', 'c')).toBeUndefined();
    expect(rooms.sharedCall('a', 'a')).toBeUndefined();
  });

  it('a leave or the call leaving ends the sharing', () => {
    const rooms = new RoomMembership();
    rooms.join('c1', 'a', 's-a');
    rooms.join('c1', 'b', 's-b');
    rooms.join('c2', 'a', 's-a');
    rooms.join('c2', 'b', 's-b');
    expect(rooms.leave('c1', 'b', 's-b')).toBe(true);
    expect(rooms.leave('c1', 'b', 's-b')).toBe(false);
    expect(rooms.sharedCall('a', 'b')).toBe('c2');
    rooms.removeUser('c2', 'a');
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
    rooms.join('c3', 'a', 's-a');
    rooms.join('c3', 'b', 's-b');
    rooms.dropCall('c3');
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
    expect(rooms.dropSocket('s-b', 'b')).toEqual(['c2']);
  });

  it('the late disconnect of a replaced socket leaves its successor in the room', () => {
    const rooms = new RoomMembership();
    rooms.join('c1', 'a', 's-a');
    rooms.join('c1', 'b', 'old');
    rooms.join('c1', 'b', 'new');
    expect(rooms.dropSocket('old', 'b')).toEqual([]);
    expect(rooms.sharedCall('a', 'b')).toBe('c1');
    expect(rooms.dropSocket('new', 'b')).toEqual(['c1']);
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
  });

  it('remembers media flags per participant until they leave the call', () => {
    const rooms = new RoomMembership();
    const on = { isAudioEnabled: true, isVideoEnabled: true, isScreenSharing: false };
    expect(rooms.swapMedia('c1', 'a', on)).toBeUndefined();
    expect(rooms.swapMedia('c1', 'a', { ...on, isAudioEnabled: false })).toEqual(on);
    rooms.removeUser('c1', 'a');
    expect(rooms.swapMedia('c1', 'a', on)).toBeUndefined();
  });
  it('a member on another instance can be signalled from here, until that instance, a leave or the end says otherwise', () => {
    const rooms = new RoomMembership();
    rooms.join('c1', 'a', 's-a');
    rooms.remoteJoin('c1', 'b');
    rooms.remoteJoin('c2', 'c');
    expect(rooms.sharedCall('a', 'b')).toBe('c1');
    // Only a local sender is authorized here: its instance relays.
    expect(rooms.sharedCall('b', 'a')).toBeUndefined();
    expect(rooms.sharedCall('a', 'c')).toBeUndefined();
    rooms.remoteLeave('c1', 'b');
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
    rooms.remoteJoin('c1', 'b');
    rooms.removeUser('c1', 'b');
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
    rooms.remoteJoin('c1', 'b');
    rooms.dropCall('c1');
    rooms.join('c1', 'a', 's-a');
    expect(rooms.sharedCall('a', 'b')).toBeUndefined();
  });
});
