import { SetMetadata } from '@nestjs/common';

export const CREATED_LOCATION = 'vigil:created-location';

/**
 * Marks a creating route: the envelope sets `Location` from this template, filling `:id` (or any
 * `:field`) from the returned data and `{version}` from the URL, e.g.
 * @CreatedLocation('/api/v{version}/auth/keys/:id').
 */
export const CreatedLocation = (template: string) => SetMetadata(CREATED_LOCATION, template);
