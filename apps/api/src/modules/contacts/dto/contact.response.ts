import { ApiProperty } from '@nestjs/swagger';
import { UserViewDto } from '../../users';
import { ContactView } from '../contacts.mapper';
import { ContactPage } from '../contacts.service';

/** A contact: the user as the owner may see them (email only when the contact has the owner listed too). */
export class ContactDto extends UserViewDto implements ContactView {
  @ApiProperty({ format: 'date-time', example: '2026-01-01T09:00:00.000Z', description: 'When you added them' })
  addedAt!: string;
}

export class ContactPageDto implements ContactPage {
  @ApiProperty({ type: [ContactDto] }) contacts!: ContactDto[];
  @ApiProperty({ example: 2, description: 'Contacts in the whole list' }) total!: number;
  @ApiProperty({ example: 100 }) limit!: number;
  @ApiProperty({ example: 0 }) skip!: number;
}
