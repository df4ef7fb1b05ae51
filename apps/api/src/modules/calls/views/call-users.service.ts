import { AppException, ErrorCode } from '@app/common';
import { Injectable } from '@nestjs/common';
import { UsersService } from '../../users';
import { CALL_MESSAGES } from '../calls.messages';
import { UserLookup } from '../calls.mapper';

/** The calls module's one way to the users module: names for views, and who may be invited. */
@Injectable()
export class CallUsers {
  constructor(private readonly users: UsersService) {}

  async lookup(ids: string[]): Promise<UserLookup> {
    const unique = [...new Set(ids)];
    const found = unique.length > 0 ? await this.users.findByIds(unique) : [];
    return new Map(found.map((u) => [u._id.toHexString(), u]));
  }

  /** 404 unless every id is an existing, active account. */
  async assertActive(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const found = await this.users.findByIds(ids);
    const active = found.filter((u) => u.accountStatus === 'active');
    if (active.length !== new Set(ids).size) throw new AppException(ErrorCode.NOT_FOUND, CALL_MESSAGES.usersNotFound);
  }
}
